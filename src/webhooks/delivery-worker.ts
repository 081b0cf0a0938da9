import { type Kysely, sql } from 'kysely';
import { BackgroundLoop } from '../background-loop';
import type { Database, DeliveryStatus, SubscriptionOrigin } from '../db/schema';
import { nextRetryDelay, retryAfterMs } from './retry-schedule';
import type { SendResult, WebhookSender } from './sender';
import { signingKey, webhookSignature } from './signature';
import { disableSubscriptions } from './subscriptions';
import type { DeliveryOutcome, WebhookMetrics } from './webhook-metrics';

/**
 * Sends due deliveries. A claim takes, in one statement, due PENDING deliveries whose
 * dossier (aggregate) has no earlier PENDING delivery to the same subscription — so one
 * dossier's events arrive in order, even across retries — locks them (SKIP LOCKED: hub
 * nodes share the work) and leases them by pushing next_attempt_at past the time this
 * node needs, so no other node takes them meanwhile and a crashed node's ones come back.
 * Each endpoint has a bounded number of requests in flight and a bounded local queue; the
 * claim asks only for what each endpoint's queue has room for. Attempts are recorded in
 * batches, each in one short transaction, together with the deliveries' new state.
 */
const CLAIM_BATCH = 500;
/** Deliveries one node holds at most (queued, in flight, or sent and not yet recorded). */
const MAX_HELD = 2000;
/**
 * Deliveries one node holds for one endpoint (queued or in flight). Deep enough that a claim
 * brings many at once (one run, one endpoint on 127.0.0.1, Postgres: 64 held ≈ 1,800/s,
 * 256 ≈ 3,600/s), shallow enough that a slow endpoint's queue drains within its lease.
 */
const ENDPOINT_QUEUE = 256;
const MIN_LEASE_MS = 60_000;
const RECORD_BATCH = 1000;
/** At stop, requests in flight get this long to be answered before they are abandoned. */
const STOP_GRACE_MS = 2000;
const GONE_REASON = 'the endpoint answered 410 Gone';
/**
 * Recording and claiming wait this long after the event that calls for them, so that one
 * statement covers what completes meanwhile: without it, each answer was recorded alone and
 * answered by a claim of one (on PGlite, whose queries hold the event loop, ~200 deliveries/s).
 */
const GATHER_MS = 10;

/** Wakes `loop` a little later, once for all the calls until then. */
function gathered(loop: BackgroundLoop): () => void {
  let timer: NodeJS.Timeout | undefined;
  return () => {
    timer ??= setTimeout(() => {
      timer = undefined;
      loop.wake();
    }, GATHER_MS);
  };
}

export interface Decision {
  status: DeliveryStatus;
  nextAttemptAt: Date | null;
  outcome: DeliveryOutcome;
}

/** What becomes of a delivery after an attempt: 2xx delivered, 410 stop for good, else retry per schedule (or Retry-After). */
export function decideAfterAttempt(result: Pick<SendResult, 'responseStatus' | 'retryAfter'>, attemptsMade: number, schedule: readonly number[], now: Date): Decision {
  const status = result.responseStatus;
  if (status !== null && status >= 200 && status < 300) return { status: 'SUCCEEDED', nextAttemptAt: null, outcome: 'succeeded' };
  if (status === 410) return { status: 'DISABLED', nextAttemptAt: null, outcome: 'disabled' };
  const scheduled = nextRetryDelay(schedule, attemptsMade);
  if (scheduled === undefined) return { status: 'FAILED', nextAttemptAt: null, outcome: 'gave_up' };
  const asked = status === 429 || status === 503 ? retryAfterMs(result.retryAfter, now) : undefined;
  return { status: 'PENDING', nextAttemptAt: new Date(now.getTime() + (asked ?? scheduled)), outcome: 'failed_attempt' };
}

interface Claimed {
  id: number;
  subscriptionId: string;
  eventId: string;
  /** Attempts made before this one. */
  attempts: number;
  url: string;
  secret: string;
  /** The body to send. */
  payload: string;
}

interface Attempt {
  delivery: Claimed;
  attemptedAt: Date;
  result: SendResult;
  decision: Decision;
}

interface Endpoint {
  running: number;
  waiting: Claimed[];
}

export interface DeliveryWorkerOptions {
  db: Kysely<Database>;
  sender: WebhookSender;
  metrics: WebhookMetrics;
  retrySchedule: readonly number[];
  /** The scheduling clock (due times, leases, attempt times). */
  now: () => Date;
  perEndpointConcurrency: number;
  requestTimeoutMs: number;
  /** The body a subscription of this origin receives for a stored CloudEvent (payment notifications have their own shapes). */
  bodyFor(origin: SubscriptionOrigin, partyCode: string, cloudEvent: string): string;
  onError(error: unknown, activity: string, retryInMs?: number): void;
}

export class DeliveryWorker {
  private readonly claims: BackgroundLoop;
  private readonly recorder: BackgroundLoop;
  private readonly held = new Map<number, Claimed>();
  private readonly endpoints = new Map<string, Endpoint>();
  private readonly sending = new Set<Promise<void>>();
  private unrecorded: Attempt[] = [];
  private readonly abandoned: number[] = [];
  /** Subscriptions whose endpoint answered 410, until that is recorded (and the subscription disabled). */
  private readonly gone = new Set<string>();
  private readonly stopSignal = new AbortController();
  private readonly leaseMs: number;
  private readonly queueLimit: number;
  private readonly recordSoon: () => void;
  private readonly claimSoon: () => void;

  constructor(private readonly options: DeliveryWorkerOptions) {
    this.queueLimit = Math.max(ENDPOINT_QUEUE, options.perEndpointConcurrency);
    // Long enough for a full queue to drain at one timeout per round, then be recorded.
    this.leaseMs = Math.max(MIN_LEASE_MS, options.requestTimeoutMs * (Math.ceil(this.queueLimit / options.perEndpointConcurrency) + 2));
    this.claims = new BackgroundLoop({
      name: 'webhook-delivery',
      step: () => this.claimAndSend(),
      idleMs: 1000,
      onError: (error, retryInMs) => options.onError(error, 'claiming due webhook deliveries', retryInMs),
    });
    this.recorder = new BackgroundLoop({
      name: 'webhook-recorder',
      step: () => this.recordBatch(),
      idleMs: 1000,
      onError: (error, retryInMs) => options.onError(error, 'recording webhook attempts', retryInMs),
    });
    this.recordSoon = gathered(this.recorder);
    this.claimSoon = gathered(this.claims);
  }

  start(): void {
    this.claims.start();
    this.recorder.start();
  }

  /** Deliveries may have become due (new fan-out, a replay, a clock moved in tests). */
  wake(): void {
    this.claims.wake();
  }

  async stop(): Promise<void> {
    await this.claims.stop();
    const queued = [...this.endpoints.values()].flatMap((e) => e.waiting.splice(0));
    for (const d of queued) this.held.delete(d.id);
    const grace = setTimeout(() => this.stopSignal.abort(), STOP_GRACE_MS);
    await Promise.allSettled([...this.sending]);
    clearTimeout(grace);
    await this.recorder.stop();
    try {
      while (this.unrecorded.length) await this.recordBatch();
      // What was leased and not attempted is due again at once, for the next start or another node.
      await this.release([...queued.map((d) => d.id), ...this.abandoned]);
    } catch (error) {
      this.options.onError(error, 'recording webhook attempts at stop; the leases expire instead');
    }
  }

  private async claimAndSend(): Promise<boolean> {
    const room = Math.min(CLAIM_BATCH, MAX_HELD - this.held.size);
    if (room <= 0) return false;
    const claimed = await this.claim(room);
    for (const delivery of claimed) {
      // Leased again while this node still holds it (a replay): the attempt under way stands for it.
      if (this.held.has(delivery.id)) continue;
      // Not sent to an endpoint that is gone: recording its 410 disables what is pending for it, this one included.
      if (this.gone.has(delivery.subscriptionId)) continue;
      this.held.set(delivery.id, delivery);
      this.endpoint(delivery.subscriptionId).waiting.push(delivery);
      this.pump(delivery.subscriptionId);
    }
    return claimed.length === room;
  }

  private endpoint(subscriptionId: string): Endpoint {
    let endpoint = this.endpoints.get(subscriptionId);
    if (!endpoint) this.endpoints.set(subscriptionId, (endpoint = { running: 0, waiting: [] }));
    return endpoint;
  }

  private pump(subscriptionId: string): void {
    const endpoint = this.endpoint(subscriptionId);
    while (endpoint.running < this.options.perEndpointConcurrency && endpoint.waiting.length > 0) {
      const delivery = endpoint.waiting.shift()!;
      endpoint.running++;
      const sending: Promise<void> = this.attempt(delivery).finally(() => {
        this.sending.delete(sending);
        endpoint.running--;
        if (endpoint.running === 0 && endpoint.waiting.length === 0) this.endpoints.delete(subscriptionId);
        else this.pump(subscriptionId);
      });
      this.sending.add(sending);
    }
  }

  private async attempt(delivery: Claimed): Promise<void> {
    const attemptedAt = this.options.now();
    // The receiver checks the timestamp against its own clock: it is the wall clock's, whatever the scheduling clock says.
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'webhook-id': delivery.eventId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': webhookSignature(signingKey(delivery.secret), delivery.eventId, timestamp, delivery.payload),
    };
    const result = await this.options.sender.send(delivery.url, headers, delivery.payload, this.stopSignal.signal);
    if (result.abandoned) {
      this.held.delete(delivery.id);
      this.abandoned.push(delivery.id);
      return;
    }
    const decision = decideAfterAttempt(result, delivery.attempts + 1, this.options.retrySchedule, this.options.now());
    if (decision.status === 'DISABLED') {
      this.gone.add(delivery.subscriptionId);
      this.dropQueued(delivery.subscriptionId);
    }
    this.unrecorded.push({ delivery, attemptedAt, result, decision });
    this.recordSoon();
  }

  /** The endpoint is gone (410): what is queued for it is not sent; recording the 410 disables it in the database. */
  private dropQueued(subscriptionId: string): void {
    for (const d of this.endpoints.get(subscriptionId)?.waiting.splice(0) ?? []) this.held.delete(d.id);
  }

  private async claim(room: number): Promise<Claimed[]> {
    const now = this.options.now();
    const busy = [...this.endpoints].map(([subscriptionId, e]) => ({ subscription_id: subscriptionId, busy: e.running + e.waiting.length }));
    const { rows } = await sql<{ id: number; subscription_id: string; event_id: string; attempts: number; url: string; secret: string; origin: SubscriptionOrigin; party_code: string; payload: string }>`
      WITH busy AS (SELECT * FROM jsonb_to_recordset(${JSON.stringify(busy)}::jsonb) AS b(subscription_id uuid, busy int)),
      claimable AS (
        SELECT c.id, s.url, s.secret, s.origin, s.party_code
        FROM (SELECT id, url, secret, origin, party_code FROM subscriptions WHERE disabled_at IS NULL AND deleted_at IS NULL ORDER BY random()) s
        LEFT JOIN busy b ON b.subscription_id = s.id
        CROSS JOIN LATERAL (
          SELECT d.id FROM webhook_deliveries d
          WHERE d.subscription_id = s.id AND d.status = 'PENDING' AND d.next_attempt_at <= ${now}
            -- The oldest pending delivery of its dossier. A scalar subquery, not NOT EXISTS: it is run per
            -- candidate on the (subscription_id, aggregate_id, id) index even before the table has statistics,
            -- where an anti-join was planned as a scan of every pending row (hundreds of ms per claim).
            AND d.id = (
              SELECT e.id FROM webhook_deliveries e
              WHERE e.subscription_id = d.subscription_id AND e.aggregate_id = d.aggregate_id AND e.status = 'PENDING'
              ORDER BY e.id LIMIT 1
            )
          ORDER BY d.next_attempt_at
          LIMIT greatest(0, ${this.queueLimit} - coalesce(b.busy, 0))
          FOR UPDATE OF d SKIP LOCKED
        ) c
        LIMIT ${room}
      )
      UPDATE webhook_deliveries d SET next_attempt_at = ${new Date(now.getTime() + this.leaseMs)}
      FROM claimable c, outbox o
      WHERE d.id = c.id AND o.id = d.outbox_id
      RETURNING d.id, d.subscription_id, d.event_id, d.attempts, c.url, c.secret, c.origin, c.party_code, o.payload::text AS payload`.execute(this.options.db);
    return rows.map((r) => ({
      id: Number(r.id),
      subscriptionId: r.subscription_id,
      eventId: r.event_id,
      attempts: r.attempts,
      url: r.url,
      secret: r.secret,
      payload: r.origin === 'api' || r.origin === 'parties-file' ? r.payload : this.options.bodyFor(r.origin, r.party_code, r.payload),
    }));
  }

  /**
   * Records attempts (oldest first, one per delivery per batch) and the deliveries' new
   * state. An attempt's number is counted in the database, so two attempts of one delivery
   * (a replay racing a lease) never share one. A delivery disabled or deleted meanwhile
   * keeps that state unless the attempt delivered it.
   */
  private async recordBatch(): Promise<boolean> {
    if (this.unrecorded.length === 0) return false;
    const taken = this.unrecorded;
    this.unrecorded = [];
    const batch: Attempt[] = [];
    const later: Attempt[] = [];
    const ids = new Set<number>();
    for (const attempt of taken) {
      if (batch.length >= RECORD_BATCH || ids.has(attempt.delivery.id)) later.push(attempt);
      else {
        ids.add(attempt.delivery.id);
        batch.push(attempt);
      }
    }
    const rows = batch.map(({ delivery, attemptedAt, result, decision }) => ({
      id: delivery.id,
      status: decision.status,
      next_attempt_at: decision.nextAttemptAt,
      response_status: result.responseStatus,
      attempted_at: attemptedAt,
      duration_ms: result.durationMs,
      error: result.error,
    }));
    const gone = [...new Set(batch.filter((a) => a.decision.status === 'DISABLED').map((a) => a.delivery.subscriptionId))];
    try {
      await this.write(rows, gone);
    } catch (error) {
      this.unrecorded = [...taken, ...this.unrecorded];
      throw error;
    }
    this.unrecorded = [...later, ...this.unrecorded];
    for (const subscriptionId of gone) this.gone.delete(subscriptionId);
    for (const { delivery, result, decision } of batch) {
      this.held.delete(delivery.id);
      this.options.metrics.observe(delivery.subscriptionId, decision.outcome, result.durationMs);
    }
    // Recorded outcomes unblock the next deliveries of the same dossiers, and free room.
    this.claimSoon();
    return this.unrecorded.length > 0;
  }

  /** One statement; a transaction only when a 410 also disables subscriptions (rare), to spare two round trips per batch. */
  private async write(rows: object[], gone: string[]): Promise<void> {
    const attempts = sql`
      WITH r AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          AS r(id bigint, status text, next_attempt_at timestamptz, response_status int, attempted_at timestamptz, duration_ms int, error text)
      ),
      updated AS (
        UPDATE webhook_deliveries d SET
          attempts = d.attempts + 1,
          status = CASE WHEN r.status = 'SUCCEEDED' OR d.status = 'PENDING' THEN r.status ELSE d.status END,
          next_attempt_at = CASE WHEN r.status = 'SUCCEEDED' OR d.status = 'PENDING' THEN r.next_attempt_at ELSE d.next_attempt_at END,
          response_status = r.response_status,
          updated_at = now()
        FROM r WHERE d.id = r.id
        RETURNING d.id, d.attempts
      )
      INSERT INTO webhook_attempts (delivery_id, attempt, attempted_at, duration_ms, response_status, error)
      SELECT u.id, u.attempts, r.attempted_at, r.duration_ms, r.response_status, r.error FROM updated u JOIN r ON r.id = u.id`;
    if (gone.length === 0) {
      await attempts.execute(this.options.db);
      return;
    }
    await this.options.db.transaction().execute(async (trx) => {
      await attempts.execute(trx);
      await disableSubscriptions(trx, gone, GONE_REASON, this.options.now());
    });
  }

  private async release(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.options.db
      .updateTable('webhook_deliveries')
      .set({ next_attempt_at: this.options.now() })
      .where('id', 'in', ids)
      .where('status', '=', 'PENDING')
      .execute();
  }
}
