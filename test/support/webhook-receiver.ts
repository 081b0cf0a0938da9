import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP endpoint on 127.0.0.1 that webhook tests subscribe to. Each path under
 * /hooks/ is one endpoint with its own script (what to answer to its n-th request, 0-based)
 * and its own record of what arrived, in arrival order.
 */
export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  /** Answer only after this long (a slow or hanging endpoint). */
  delayMs?: number;
}

export interface ReceivedRequest {
  method: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  answeredWith: number;
}

type Script = (n: number) => ScriptedAnswer;

export class WebhookReceiver {
  private readonly server = http.createServer((request, response) => this.handle(request, response));
  private readonly scripts = new Map<string, Script>();
  private readonly received = new Map<string, ReceivedRequest[]>();
  private readonly timers = new Set<NodeJS.Timeout>();

  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** A new endpoint answering per `script` (200 to everything by default); returns its URL. */
  endpoint(name: string, script: Script = () => ({ status: 200 }), host = '127.0.0.1'): string {
    this.scripts.set(name, script);
    this.received.set(name, []);
    return `http://${host}:${this.port}/hooks/${name}`;
  }

  /** Changes what an endpoint answers from now on. */
  script(name: string, script: Script): void {
    this.scripts.set(name, script);
  }

  requests(name: string): ReceivedRequest[] {
    return this.received.get(name) ?? [];
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const name = /^\/hooks\/([^/?]+)/.exec(request.url ?? '')?.[1] ?? '';
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const log = this.received.get(name);
      const script = this.scripts.get(name);
      if (!log || !script) {
        response.writeHead(404).end();
        return;
      }
      const answer = script(log.length);
      log.push({ method: request.method ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), answeredWith: answer.status });
      const send = () => {
        if (!response.destroyed) response.writeHead(answer.status, answer.headers).end();
      };
      if (!answer.delayMs) return send();
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        send();
      }, answer.delayMs);
      this.timers.add(timer);
    });
  }
}
