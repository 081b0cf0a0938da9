import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A province one-stop system on 127.0.0.1 that receives the dossiers citizens submitted on the
 * portal, pushed by the hub. It takes any POST body (its format is the adapter's business, not
 * the receiver's) and records everything in arrival order; a body shaped like a DongBoHoSoMC
 * create (`{session?, madonvi, service: 'DongBoHoSoMC', data: [{MaHoSo, ...}]}`) also has its
 * dossier codes read out. It answers as portal-style systems do, `{error_code: 0, message}`, and
 * can be told to be down (HTTP 503), to hang, or to refuse the next requests with
 * `{error_code: -1, message}`.
 */
export interface ProvinceDelivery {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The MaHoSo of each item when the body is a DongBoHoSoMC message, else empty. */
  dossierCodes: string[];
  /** HTTP status answered; undefined while hanging (never answered). */
  answeredWith?: number;
  answer?: string;
}

export interface ProvinceSimulator {
  /** Where the hub pushes submissions. */
  url: string;
  /** Every request, in arrival order. */
  deliveries: ProvinceDelivery[];
  /** Dossier codes of every DongBoHoSoMC item received, in arrival order (refused ones included: see `deliveries[].answeredWith`). */
  dossierCodes(): string[];
  /** Answer everything with HTTP 503 while on. */
  down(on: boolean): void;
  /** Never answer while on (the connection stays open until stop()). */
  hang(on: boolean): void;
  /** Refuse the next `count` requests with HTTP 200 `{error_code: -1, message}` (what a one-stop system says when its own checks fail). */
  refuseNext(count: number, message?: string): void;
  stop(): Promise<void>;
}

const RECEIVE_PATH = '/lienthong/dvcqg/receive';

function dossierCodesOf(body: string): string[] {
  try {
    const message: unknown = JSON.parse(body);
    if (typeof message !== 'object' || message === null || (message as { service?: unknown }).service !== 'DongBoHoSoMC') return [];
    const data = (message as { data?: unknown }).data;
    if (!Array.isArray(data)) return [];
    return data.flatMap((item: unknown) => {
      const code = typeof item === 'object' && item !== null ? (item as { MaHoSo?: unknown }).MaHoSo : undefined;
      return typeof code === 'string' ? [code] : [];
    });
  } catch {
    return [];
  }
}

export async function startProvinceSimulator(): Promise<ProvinceSimulator> {
  const deliveries: ProvinceDelivery[] = [];
  let isDown = false;
  let isHanging = false;
  let refusals: { remaining: number; message: string } = { remaining: 0, message: '' };

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const delivery: ProvinceDelivery = { method: request.method ?? '', path: request.url ?? '', headers: request.headers, body, dossierCodes: dossierCodesOf(body) };
      deliveries.push(delivery);
      if (isHanging) return;
      const send = (status: number, answer: string) => {
        delivery.answeredWith = status;
        delivery.answer = answer;
        response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(answer);
      };
      if (isDown) return send(503, JSON.stringify({ error_code: 503, message: 'Service Unavailable' }));
      if (request.method !== 'POST' || delivery.path !== RECEIVE_PATH) return send(404, JSON.stringify({ error_code: 404, message: 'Not found' }));
      if (refusals.remaining > 0) {
        refusals.remaining -= 1;
        return send(200, JSON.stringify({ error_code: -1, message: refusals.message }));
      }
      send(200, JSON.stringify({ error_code: 0, message: 'Tiếp nhận thành công' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${RECEIVE_PATH}`,
    deliveries,
    dossierCodes: () => deliveries.flatMap((delivery) => delivery.dossierCodes),
    down(on) {
      isDown = on;
    },
    hang(on) {
      isHanging = on;
    },
    refuseNext(count, message = 'Hệ thống một cửa không tiếp nhận được hồ sơ') {
      refusals = { remaining: Math.max(0, Math.floor(count)), message };
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
