/**
 * One statement for many callers: what concurrent requests ask while the previous
 * statements of this kind are running is queued, and goes to `run` as one list (each caller
 * gets its own result, or the statement's error). Under load a statement per request
 * becomes a statement per few requests: fewer round trips, fewer socket writes, less work
 * for PostgreSQL. At most `concurrency` statements of a kind run at once, so that the queue
 * grows while they do; alone, a caller waits one turn of the event loop.
 */
export class StatementBatcher<I, R> {
  private queue: { item: I; resolve: (result: R) => void; reject: (error: unknown) => void }[] = [];
  private running = 0;
  private scheduled = false;

  constructor(
    private readonly run: (items: readonly I[]) => Promise<readonly R[]>,
    private readonly concurrency = 2,
  ) {}

  /** Resolves once nothing is queued or running (graceful shutdown). */
  async drained(): Promise<void> {
    while (this.queue.length > 0 || this.running > 0) await new Promise((resolve) => setImmediate(resolve));
  }

  submit(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** On the next turn, once every request already readable has queued its item. */
  private schedule(): void {
    if (this.scheduled || this.running >= this.concurrency) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.queue.length === 0 || this.running >= this.concurrency) return;
    const batch = this.queue;
    this.queue = [];
    this.running += 1;
    this.run(batch.map((queued) => queued.item))
      .then(
        (results) => batch.forEach((queued, index) => queued.resolve(results[index] as R)),
        (error: unknown) => batch.forEach((queued) => queued.reject(error)),
      )
      .finally(() => {
        this.running -= 1;
        if (this.queue.length > 0) this.schedule();
      });
  }
}
