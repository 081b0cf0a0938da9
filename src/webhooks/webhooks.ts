import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import { BackgroundLoop } from '../background-loop';
import type { Config } from '../config';
import type { Database } from '../db/schema';
import type { HubMetrics } from '../ops/metrics';
import { paymentNotificationBody } from '../payments/payment-notifications';
import type { PartyRegistry } from '../parties/registry';
import { replayDelivery } from './deliveries';
import { DeliveryWorker } from './delivery-worker';
import { dispatchOnce } from './dispatcher';
import { DEFAULT_RETRY_SCHEDULE_MS } from './retry-schedule';
import { WebhookSender } from './sender';
import { syncDeclaredSubscriptions } from './subscriptions';
import { WebhookMetrics } from './webhook-metrics';

/**
 * Webhook delivery in one hub process: the dispatcher fans new feed events out to
 * subscriptions, the delivery worker sends them. Every hub node runs both; they share the
 * work through the database (see each). `wake()` after new events are in the feed.
 */
export interface WebhookTuning {
  /** Delay before each attempt (index 0: the first). Default: at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h. */
  retrySchedule?: readonly number[];
  /** The scheduling clock; tests move it instead of waiting. */
  now?: () => Date;
  /** How long one request may take, connection included. */
  requestTimeoutMs?: number;
  /** Requests in flight to one subscription's endpoint at most, per hub node. */
  perEndpointConcurrency?: number;
}

export interface WebhooksOptions extends WebhookTuning {
  db: Kysely<Database>;
  config: Config;
  parties: PartyRegistry;
  metrics: HubMetrics;
  log: FastifyBaseLogger;
}

export class Webhooks {
  private readonly dispatcher: BackgroundLoop;
  private readonly worker: DeliveryWorker;
  private readonly sender: WebhookSender;
  /** The scheduling clock (due times); routes use it for replays. */
  readonly now: () => Date;

  constructor(private readonly options: WebhooksOptions) {
    const { db, config, parties, log } = options;
    this.now = options.now ?? (() => new Date());
    const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.sender = new WebhookSender({ allowPrivateNetworks: config.webhookAllowPrivateNetworks, timeoutMs: requestTimeoutMs });
    this.worker = new DeliveryWorker({
      db,
      sender: this.sender,
      metrics: new WebhookMetrics(options.metrics.registry),
      retrySchedule: options.retrySchedule ?? DEFAULT_RETRY_SCHEDULE_MS,
      now: this.now,
      perEndpointConcurrency: options.perEndpointConcurrency ?? 16,
      requestTimeoutMs,
      bodyFor: (origin, partyCode, cloudEvent) => paymentNotificationBody(origin, parties.party(partyCode), cloudEvent),
      onError: (error, activity, retryInMs) => log.warn({ err: error, retryInMs }, `webhooks: ${activity} failed`),
    });
    this.dispatcher = new BackgroundLoop({
      name: 'webhook-dispatcher',
      step: async () => {
        const round = await dispatchOnce(db, parties, this.now());
        if (round?.deliveries) this.worker.wake();
        return round?.more ?? false;
      },
      idleMs: 1000,
      onError: (error, retryInMs) => log.warn({ err: error, retryInMs }, 'webhooks: fanning events out to subscriptions failed'),
    });
  }

  /** Brings the parties file's declared subscriptions up to date, then starts dispatching and delivering. */
  async start(): Promise<void> {
    const { reenabled } = await syncDeclaredSubscriptions(this.options.db, this.options.parties, this.now());
    if (reenabled.length) this.options.log.info({ subscriptions: reenabled }, 'webhooks: declared subscriptions enabled again (the parties file declares them)');
    this.dispatcher.start();
    this.worker.start();
  }

  /** New events are in the feed (or deliveries became due): dispatch and deliver now. */
  wake(): void {
    this.dispatcher.wake();
    this.worker.wake();
  }

  /** Puts one delivery of the subscription back in the queue, due now; false when it has none by that id. */
  async replay(subscriptionId: string, deliveryId: number): Promise<boolean> {
    const replayed = await replayDelivery(this.options.db, subscriptionId, deliveryId, this.now());
    if (replayed) this.worker.wake();
    return replayed;
  }

  async stop(): Promise<void> {
    await this.dispatcher.stop();
    await this.worker.stop();
    await this.sender.close();
  }
}
