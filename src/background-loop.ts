/**
 * A background worker's loop: runs `step` again at once while it reports more work, waits
 * `idleMs` (or a `wake()`) when it has none, and backs off exponentially, with full jitter,
 * while it fails (a broker or endpoint down), so that many hub nodes do not retry in step.
 */
export interface BackgroundLoopOptions {
  name: string;
  /** Does one unit of work; resolves true when there may be more right away. */
  step(): Promise<boolean>;
  idleMs: number;
  /** First and largest back-off after failures. */
  backoff?: { initialMs: number; maxMs: number };
  onError(error: unknown, retryInMs: number): void;
  /** Called after a step succeeds following failures. */
  onRecovered?(): void;
}

export class BackgroundLoop {
  private running = false;
  private done: Promise<void> = Promise.resolve();
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private failures = 0;

  constructor(private readonly options: BackgroundLoopOptions) {}

  get name(): string {
    return this.options.name;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.done = this.run();
  }

  /** Runs the next step now instead of after the idle wait (new work arrived). */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Stops after the step in progress. */
  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.done;
  }

  private async run(): Promise<void> {
    const { initialMs, maxMs } = this.options.backoff ?? { initialMs: 200, maxMs: 30_000 };
    while (this.running) {
      let more = false;
      let waitMs = this.options.idleMs;
      this.woken = false;
      try {
        more = await this.options.step();
        if (this.failures > 0) this.options.onRecovered?.();
        this.failures = 0;
      } catch (error) {
        this.failures++;
        waitMs = Math.random() * Math.min(maxMs, initialMs * 2 ** (this.failures - 1));
        this.options.onError(error, Math.round(waitMs));
      }
      // Stopped during the step: no idle wait (a 30 s one would hold the shutdown that long).
      if (!this.running) break;
      if (more && this.failures === 0) continue;
      if (this.woken && this.failures === 0) continue;
      await this.sleep(waitMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(finish, ms);
      function finish() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = undefined;
        // A wake during back-off does not cut it short: the failing party gets its rest.
        if (this.failures === 0 || !this.running) finish();
      };
    });
  }
}
