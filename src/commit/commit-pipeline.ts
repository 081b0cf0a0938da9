import type { Kysely, RawBuilder, Transaction } from 'kysely';
import type { Database } from '../db/schema';
import type { MessageRecord } from '../audit/message-log';
import { writeBatch } from './commit-records';
import { StatementBatcher } from '../db/statement-batcher';
import { HubError } from '../errors';
import type { OutboxEvent } from '../events/outbox';

/**
 * Group commit. Concurrent writes are gathered into one transaction, so the hub pays one
 * commit (one WAL flush) for many messages; every caller gets its answer only after the
 * commit that holds its message.
 *
 * In one batch transaction the handlers load and row-lock (in key order) what their jobs
 * need and decide every answer; then one statement writes the batch's state, history,
 * outbox events, idempotency records and message-log records; COMMIT. Several batches run at once, and nothing global
 * is locked: the sealer orders the committed events and log records afterwards.
 * A batch never takes a job whose keys (dossier codes) another batch in flight holds, and a
 * job never overtakes an earlier job with a key in common, so each aggregate's messages
 * apply in arrival order. If a batch fails as a whole, each job is retried alone, so one
 * bad message cannot sink the others.
 */

/** What the HTTP layer sends back, decided inside the transaction (so idempotency can store it). */
export interface Answer {
  status: number;
  body: unknown;
  /** `OK` or the refusal's error code, for the message log and metrics. */
  outcome: string;
}

export interface IdempotencyRecord {
  partyCode: string;
  key: string;
  requestHash: string;
}

export interface Job<P> {
  payload: P;
  /** The inbound message's log record, completed with the answer's status and outcome; none for the hub's own work (the payment sweeper) or a message's second commit. */
  log?: Omit<MessageRecord, 'statusCode' | 'outcome'> | undefined;
  idempotency?: IdempotencyRecord | undefined;
}

export interface HandlerResult {
  /** One answer per job, in order. */
  answers: Answer[];
  /** The events the jobs' accepted changes emit, in order. */
  events: OutboxEvent[];
  /** The state and history writes, run in the batch's one write statement. */
  writes: BatchWrite[];
}

export interface BatchWrite {
  /** An INSERT or UPDATE statement (it becomes a CTE of the batch's write statement). */
  statement: RawBuilder<unknown>;
  /** Rows it must change; fewer means another hub node changed them first (the batch is retried). */
  expectedRows?: number;
}

export interface CommitHandler<P> {
  /** Weight of one job in the batch-size budget (e.g. the number of events it carries). */
  weight(payload: P): number;
  /** The aggregates the job changes: jobs sharing one never run in two batches at once. */
  keys(payload: P): readonly string[];
  /** Loads (and row-locks) what the jobs need and applies them in order; writes nothing itself. */
  execute(trx: Transaction<Database>, jobs: readonly Job<P>[], now: Date): Promise<HandlerResult>;
}

/** A concurrent request already stored this Idempotency-Key; the caller should replay it. */
export class IdempotencyRaceError extends Error {
  override name = 'IdempotencyRaceError';
}

/** Another hub node changed what this batch loaded; the batch is retried on fresh state. */
export class ConcurrentChangeError extends Error {
  override name = 'ConcurrentChangeError';
}

/** A job that meets a concurrent change this many times in a row fails. */
const CONFLICT_RETRIES = 3;

interface Pending {
  handler: CommitHandler<unknown>;
  job: Job<unknown>;
  keys: readonly string[];
  weight: number;
  resolve(answer: Answer): void;
  reject(error: unknown): void;
}

export interface CommitPipelineOptions {
  /** Most total job weight per transaction. */
  maxBatchWeight: number;
  /** Batches in flight at once (1 for an engine with a single connection). */
  maxConcurrentBatches: number;
  onBatch?: (messages: number, durationMs: number) => void;
  /** After every commit (the sealer orders what was committed). */
  onCommitted?: () => void;
  onError?: (error: unknown) => void;
}

export class CommitPipeline {
  private queue: Pending[] = [];
  private pumpScheduled = false;
  private readonly keysInFlight = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;
  /**
   * Records of messages that changed nothing go alone, one INSERT at a time (atomic by
   * itself, no BEGIN or COMMIT): they gather while the previous INSERT runs, so that under
   * load a read costs a small share of a statement. Only the log waits for them; the
   * answer went out before.
   */
  private readonly records = new StatementBatcher<MessageRecord, void>(async (messages) => {
    await writeBatch(this.db, [], { events: [], idempotency: [], messages });
    this.options.onCommitted?.();
    return [];
  }, 1);

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: CommitPipelineOptions,
  ) {}

  /** Commits the job with its handler; resolves with its answer once committed. */
  submit<P>(handler: CommitHandler<P>, job: Job<P>): Promise<Answer> {
    const h = handler as CommitHandler<unknown>;
    return this.enqueue({ handler: h, job: job as Job<unknown>, keys: h.keys(job.payload), weight: h.weight(job.payload) });
  }

  /** Records an inbound message that changed nothing (a read, a refusal at the edge). */
  async record(log: Job<unknown>['log'], status: number, outcome: string): Promise<Answer> {
    if (this.closed) throw new HubError('SERVICE_UNAVAILABLE', 'the hub is shutting down');
    if (log) await this.records.submit({ ...log, statusCode: status, outcome });
    return { status, outcome, body: undefined };
  }

  private enqueue(pending: Omit<Pending, 'resolve' | 'reject'>): Promise<Answer> {
    if (this.closed) return Promise.reject(new HubError('SERVICE_UNAVAILABLE', 'the hub is shutting down'));
    return new Promise<Answer>((resolve, reject) => {
      this.queue.push({ ...pending, resolve, reject });
      this.schedulePump();
    });
  }

  /**
   * Starts batches on the next turn of the event loop, once every request already readable
   * has been queued: an engine whose queries never yield to I/O (PGlite) would otherwise
   * commit each message alone.
   */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight.size < this.options.maxConcurrentBatches && this.queue.length > 0) {
      const batch = this.takeBatch();
      if (batch.length === 0) return;
      const keys = batch.flatMap((p) => p.keys);
      for (const key of keys) this.keysInFlight.add(key);
      const running: Promise<void> = this.commitBatch(batch).finally(() => {
        for (const key of keys) this.keysInFlight.delete(key);
        this.inFlight.delete(running);
        this.schedulePump();
      });
      this.inFlight.add(running);
    }
  }

  /** The next jobs, in arrival order, skipping (and keeping queued) any that must wait for a batch in flight. */
  private takeBatch(): Pending[] {
    const taken: Pending[] = [];
    const kept: Pending[] = [];
    const blocked = new Set(this.keysInFlight);
    let weight = 0;
    for (const pending of this.queue) {
      const mustWait = pending.keys.some((k) => blocked.has(k));
      const full = taken.length > 0 && weight + pending.weight > this.options.maxBatchWeight;
      if (mustWait || full) {
        // Later jobs with these keys must not overtake this one.
        for (const key of pending.keys) blocked.add(key);
        kept.push(pending);
        continue;
      }
      taken.push(pending);
      weight += pending.weight;
    }
    this.queue = kept;
    return taken;
  }

  private async commitBatch(batch: Pending[]): Promise<void> {
    const started = performance.now();
    try {
      const answers = await this.runTransaction(batch);
      this.options.onCommitted?.();
      batch.forEach((p, i) => p.resolve(answers[i]!));
      this.options.onBatch?.(batch.length, performance.now() - started);
    } catch (error) {
      if (batch.length === 1 && !(error instanceof ConcurrentChangeError)) {
        batch[0]!.reject(error);
        return;
      }
      this.options.onError?.(error);
      for (const pending of batch) {
        for (let attempt = 1; ; attempt++) {
          try {
            const [answer] = await this.runTransaction([pending]);
            this.options.onCommitted?.();
            pending.resolve(answer!);
          } catch (single) {
            if (single instanceof ConcurrentChangeError && attempt < CONFLICT_RETRIES) continue;
            pending.reject(single);
          }
          break;
        }
      }
    }
  }

  private async runTransaction(batch: Pending[]): Promise<Answer[]> {
    const now = new Date();
    return this.db.transaction().execute(async (trx) => {
      const answers = new Array<Answer>(batch.length);
      const events: OutboxEvent[] = [];
      const writes: BatchWrite[] = [];
      // Each handler gets its jobs in arrival order; handlers run in order of first arrival.
      const groups = new Map<CommitHandler<unknown>, number[]>();
      batch.forEach((pending, index) => {
        const group = groups.get(pending.handler) ?? [];
        group.push(index);
        groups.set(pending.handler, group);
      });
      for (const [handler, indexes] of groups) {
        const result = await handler.execute(trx, indexes.map((i) => batch[i]!.job), now);
        indexes.forEach((batchIndex, i) => (answers[batchIndex] = result.answers[i]!));
        events.push(...result.events);
        writes.push(...result.writes);
      }

      const idempotency = batch.flatMap((p, i) => {
        const key = p.job.idempotency;
        // Server errors are not remembered: retrying with the same key must be able to succeed.
        return key && answers[i]!.status < 500 ? [{ ...key, status: answers[i]!.status, response: answers[i]!.body ?? null }] : [];
      });
      const stored = await writeBatch(trx, writes, {
        events,
        idempotency,
        messages: batch.flatMap((p, i) => (p.job.log ? [{ ...p.job.log, statusCode: answers[i]!.status, outcome: answers[i]!.outcome }] : [])),
      });
      if (stored.idempotencyRecords !== idempotency.length) throw new IdempotencyRaceError('an Idempotency-Key of this batch was stored concurrently');
      return answers;
    });
  }

  /** Waits for queued work to commit and refuses new work (graceful shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    while (this.inFlight.size > 0 || this.queue.length > 0) {
      if (this.inFlight.size === 0) this.pump();
      await Promise.allSettled([...this.inFlight]);
    }
    await this.records.drained();
  }
}
