/**
 * A single-node Kafka broker speaking the wire protocol well enough for producers (kafkajs,
 * librdkafka/kcat), keeping what they produce in memory and injecting faults on request.
 * The hub's tests use it where no real Kafka can run.
 */
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { APIS, type ApiName, type BrokerState } from './apis';
import { ApiKey, ErrorCode, Reader, Writer } from './protocol';
import { RecordStore, type StoredRecord } from './record-store';

export type { ApiName } from './apis';
export type { StoredRecord } from './record-store';

export interface KafkaTestBrokerOptions {
  host?: string;
  port?: number;
  /** Partitions of each auto-created topic. */
  partitions?: number;
}

/** Each fault applies to the next `times` (default 1) requests of its API. */
export type Fault =
  /** Destroys the connection instead of answering; with `afterAppend` the request is carried out first (published but not acknowledged). */
  | { kind: 'drop-connection'; api: ApiName; afterAppend?: boolean; times?: number }
  /** Answers every partition of the request with this error, appending nothing. */
  | { kind: 'error'; api: 'Produce'; code: 'NOT_LEADER_OR_FOLLOWER' | 'REQUEST_TIMED_OUT'; times?: number }
  | { kind: 'delay'; api: ApiName; ms: number; times?: number };

export interface InjectedFault {
  /** How many more requests it will hit. */
  readonly remaining: number;
}

const NODE_ID = 1;

export class KafkaTestBroker {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private faults: { fault: Fault; remaining: number }[] = [];
  private readonly store: RecordStore;
  private lastProducerId = 0;

  private constructor(
    private readonly host: string,
    private port: number,
    partitions: number,
  ) {
    this.store = new RecordStore(partitions);
  }

  static async start(options: KafkaTestBrokerOptions = {}): Promise<KafkaTestBroker> {
    const broker = new KafkaTestBroker(options.host ?? '127.0.0.1', options.port ?? 0, options.partitions ?? 3);
    await broker.listen();
    return broker;
  }

  /** "host:port", as a client's bootstrap server list takes it. */
  get address(): string {
    return `${this.host}:${this.port}`;
  }

  /** Stored records in append order, of every topic or of one. */
  records(topic?: string): StoredRecord[] {
    return this.store.records(topic);
  }

  /** Resolves with the records once at least `count` are stored; rejects after `timeoutMs` (default 5000). */
  waitForRecords(count: number, options: { topic?: string; timeoutMs?: number } = {}): Promise<StoredRecord[]> {
    return this.store.waitForRecords(count, options.topic, options.timeoutMs ?? 5000);
  }

  inject(fault: Fault): InjectedFault {
    const pending = { fault, remaining: fault.times ?? 1 };
    this.faults.push(pending);
    return pending;
  }

  /** The broker goes down: open connections are closed and new ones refused, until `resume()`. */
  async pause(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The broker comes back on the same port, with the records it had; a no-op when it is up. */
  async resume(): Promise<void> {
    if (!this.server) await this.listen();
  }

  async stop(): Promise<void> {
    await this.pause();
  }

  private listen(): Promise<void> {
    const server = net.createServer((socket) => this.accept(socket));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => {
        this.port = (server.address() as net.AddressInfo).port;
        this.server = server;
        resolve();
      });
    });
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined); // a client resetting its connection is its own business
    socket.setNoDelay(true);
    let buffered = Buffer.alloc(0);
    let queue = Promise.resolve();
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      // Each request is an int32 size followed by that many bytes.
      while (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
        const frame = buffered.subarray(4, 4 + buffered.readInt32BE(0));
        buffered = buffered.subarray(4 + frame.length);
        // Kafka serves one request of a connection at a time and answers in order: clients match
        // answers to requests by that order as much as by correlation id.
        queue = queue
          .then(() => this.serve(socket, frame))
          .catch((error: unknown) => {
            // A request too short for its fields closes the connection, as in Kafka; anything else is a bug here.
            if (!(error instanceof RangeError)) console.error('Kafka test broker:', error);
            socket.destroy();
          });
      }
    });
  }

  private async serve(socket: net.Socket, frame: Buffer): Promise<void> {
    const request = new Reader(frame);
    const apiKey = request.int16();
    const version = request.int16();
    const correlationId = request.int32();
    request.nullableString(); // client_id: a plain string even in the flexible header v2
    const api = APIS.find((a) => ApiKey[a.name] === apiKey);
    // Kafka closes the connection on an API or version it does not know; ApiVersions answers instead (see there).
    if (!api || version < api.minVersion || (version > api.maxVersion && api.name !== 'ApiVersions')) return void socket.destroy();
    if (version >= api.flexibleFrom) request.skipTaggedFields();

    const fault = this.takeFault(api.name);
    if (fault?.kind === 'delay') await sleep(fault.ms);
    if (fault?.kind === 'drop-connection' && !fault.afterAppend) return void socket.destroy();
    if (socket.destroyed) return; // closed during a delay, e.g. by pause()
    const body = await api.handle(request, version, this.state(), fault?.kind === 'error' ? ErrorCode[fault.code] : undefined);
    if (fault?.kind === 'drop-connection') return void socket.destroy();
    if (!body) return;
    // Response header v0 (just the correlation id) for every answer here: ApiVersions keeps v0
    // even in its flexible v3 so that a client can read it before knowing what the broker speaks,
    // and the other APIs stop below their first flexible version.
    const response = new Writer().int32(correlationId).raw(body.toBuffer()).toBuffer();
    socket.write(new Writer().int32(response.length).raw(response).toBuffer());
  }

  private takeFault(api: ApiName): Fault | undefined {
    const pending = this.faults.find((f) => f.fault.api === api);
    if (!pending) return undefined;
    if (--pending.remaining === 0) this.faults = this.faults.filter((f) => f !== pending);
    return pending.fault;
  }

  private state(): BrokerState {
    return {
      nodeId: NODE_ID,
      host: this.host,
      port: this.port,
      store: this.store,
      nextProducerId: () => ++this.lastProducerId,
    };
  }
}
