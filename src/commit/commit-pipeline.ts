import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema';
import { type ChainHead, type MessageRecord, appendToChain, lockCommitOrder } from '../audit/message-log';
import { HubError } from '../errors';

/**
 * Group commit. Concurrent writes are gathered into one transaction, so the hub pays one
 * commit (one fsync) for many messages; every caller still gets its answer only after the
 * commit that holds its message. While one batch commits, the next one gathers.
 *
 * One batch transaction: take the commit-order lock → each handler writes its jobs' state,
 * history and outbox events → idempotency records → message-log records → COMMIT.
 * If the batch fails as a whole, each job is retried alone, so one bad message cannot
 * sink the others.
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
  /** The inbound message's log record, completed with the answer's status and outcome. */
  log: Omit<MessageRecord, 'statusCode' | 'outcome'>;
  idempotency?: IdempotencyRecord | undefined;
}

export interface CommitHandler<P> {
  readonly name: string;
  /** Weight of one job in the batch-size budget (e.g. the number of events it carries). */
  weight(payload: P): number;
  /** Applies the jobs in order, inside the batch transaction; returns one answer per job. */
  execute(trx: Transaction<Database>, jobs: readonly Job<P>[], now: Date): Promise<Answer[]>;
}

/** A concurrent request already stored this Idempotency-Key; the caller should replay it. */
export class IdempotencyRaceError extends Error {
  override name = 'IdempotencyRaceError';
}

interface Pending {
  handler: CommitHandler<unknown> | undefined;
  job: Job<unknown>;
  status?: number;
  outcome?: string;
  resolve(answer: Answer): void;
  reject(error: unknown): void;
}

export interface CommitPipelineOptions {
  /** Most total job weight per transaction. */
  maxBatchWeight: number;
  onBatch?: (jobs: number, weight: number, durationMs: number) => void;
  onError?: (error: unknown) => void;
}

export class CommitPipeline {
  private queue: Pending[] = [];
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: CommitPipelineOptions,
  ) {}

  /** Commits the job with its handler; resolves with its answer once committed. */
  submit<P>(handler: CommitHandler<P>, job: Job<P>): Promise<Answer> {
    return this.enqueue(handler as CommitHandler<unknown>, job as Job<unknown>);
  }

  /** Records an inbound message that changed nothing (a read, a refusal at the edge). */
  record(log: Job<unknown>['log'], statusCode: number, outcome: string): Promise<Answer> {
    return this.enqueue(undefined, { payload: undefined, log }, statusCode, outcome);
  }

  private enqueue(handler: CommitHandler<unknown> | undefined, job: Job<unknown>, status?: number, outcome?: string): Promise<Answer> {
    if (this.closed) return Promise.reject(new HubError('SERVICE_UNAVAILABLE', 'the hub is shutting down'));
    return new Promise<Answer>((resolve, reject) => {
      const pending: Pending = { handler, job, resolve, reject };
      if (status !== undefined) pending.status = status;
      if (outcome !== undefined) pending.outcome = outcome;
      this.queue.push(pending);
      this.running ??= this.drain();
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.takeBatch();
        await this.commitBatch(batch);
      }
    } finally {
      this.running = undefined;
    }
  }

  private takeBatch(): Pending[] {
    let weight = 0;
    let count = 0;
    for (const pending of this.queue) {
      const w = pending.handler ? pending.handler.weight(pending.job.payload) : 1;
      if (count > 0 && weight + w > this.options.maxBatchWeight) break;
      weight += w;
      count += 1;
    }
    return this.queue.splice(0, count);
  }

  private async commitBatch(batch: Pending[]): Promise<void> {
    const started = performance.now();
    try {
      const answers = await this.runTransaction(batch);
      batch.forEach((p, i) => p.resolve(answers[i]!));
      this.options.onBatch?.(batch.length, batch.reduce((w, p) => w + (p.handler ? p.handler.weight(p.job.payload) : 1), 0), performance.now() - started);
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      this.options.onError?.(error);
      for (const pending of batch) {
        try {
          const [answer] = await this.runTransaction([pending]);
          pending.resolve(answer!);
        } catch (single) {
          pending.reject(single);
        }
      }
    }
  }

  private async runTransaction(batch: Pending[]): Promise<Answer[]> {
    const now = new Date();
    return this.db.transaction().execute(async (trx) => {
      const head: ChainHead = await lockCommitOrder(trx);
      const answers = new Array<Answer>(batch.length);
      // Each handler gets its jobs in arrival order; handlers run in order of first arrival.
      const groups = new Map<CommitHandler<unknown>, number[]>();
      batch.forEach((pending, index) => {
        if (pending.handler === undefined) {
          answers[index] = { status: pending.status!, body: undefined, outcome: pending.outcome! };
          return;
        }
        const group = groups.get(pending.handler) ?? [];
        group.push(index);
        groups.set(pending.handler, group);
      });
      for (const [handler, indexes] of groups) {
        const handlerAnswers = await handler.execute(trx, indexes.map((i) => batch[i]!.job), now);
        indexes.forEach((batchIndex, i) => (answers[batchIndex] = handlerAnswers[i]!));
      }
      await storeIdempotencyRecords(trx, batch, answers);
      await appendToChain(
        trx,
        head,
        batch.map((p, i) => ({ ...p.job.log, statusCode: answers[i]!.status, outcome: answers[i]!.outcome })),
      );
      return answers;
    });
  }

  /** Waits for queued work to commit and refuses new work (graceful shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    while (this.running) await this.running;
  }
}

async function storeIdempotencyRecords(trx: Transaction<Database>, batch: Pending[], answers: Answer[]): Promise<void> {
  const rows = batch.flatMap((p, i) => {
    const key = p.job.idempotency;
    // Server errors are not remembered: retrying with the same key must be able to succeed.
    if (!key || answers[i]!.status >= 500) return [];
    return [{ party_code: key.partyCode, idem_key: key.key, request_hash: key.requestHash, status_code: answers[i]!.status, response: JSON.stringify(answers[i]!.body ?? null) }];
  });
  if (rows.length === 0) return;
  const inserted = await trx
    .insertInto('idempotency_keys')
    .values(rows)
    .onConflict((oc) => oc.columns(['party_code', 'idem_key']).doNothing())
    .returning('idem_key')
    .execute();
  if (inserted.length !== rows.length) throw new IdempotencyRaceError('an Idempotency-Key of this batch was stored concurrently');
}
