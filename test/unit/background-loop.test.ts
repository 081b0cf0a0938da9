import { BackgroundLoop } from '../../src/background-loop';

/** The loop every background worker runs: stopping must not wait out an idle period. */
describe('BackgroundLoop', () => {
  it('stops at once when stopped during a step, however long its idle wait', async () => {
    let release!: () => void;
    let entered!: () => void;
    const inStep = new Promise<void>((resolve) => (entered = resolve));
    const loop = new BackgroundLoop({
      name: 'test',
      idleMs: 60_000,
      step: () =>
        new Promise<boolean>((resolve) => {
          entered();
          release = () => resolve(false);
        }),
      onError: () => undefined,
    });
    loop.start();
    await inStep;
    const started = Date.now();
    const stopped = loop.stop();
    release();
    await stopped;
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('stops at once while idle', async () => {
    const loop = new BackgroundLoop({ name: 'test', idleMs: 60_000, step: async () => false, onError: () => undefined });
    loop.start();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const started = Date.now();
    await loop.stop();
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
