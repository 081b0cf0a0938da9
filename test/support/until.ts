/**
 * Polls `probe` until it gives a truthy value (and returns it), waking the hub's background
 * worker under test before each new look (`wake`), or fails naming what it waited for.
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false | null> | T | undefined | false | null,
  options: { wake: () => void; timeoutMs?: number; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    options.wake();
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 20));
  }
}
