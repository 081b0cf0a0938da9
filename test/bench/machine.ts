import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

function cpuTimes(): { idle: number; total: number } {
  // First line of /proc/stat: "cpu  user nice system idle iowait irq softirq steal ...", in clock ticks.
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { idle, total: fields.reduce((sum, value) => sum + value, 0) };
}

/**
 * Share of the machine's CPU in use over one second, while the bench itself is idle:
 * anything else running (a test suite, a build) takes cores from the servers and skews the comparison.
 * Undefined where /proc/stat does not exist.
 */
export async function busyCpuPercent(): Promise<number | undefined> {
  try {
    const before = cpuTimes();
    await sleep(1000);
    const after = cpuTimes();
    const total = after.total - before.total;
    return total > 0 ? 100 * (1 - (after.idle - before.idle) / total) : undefined;
  } catch {
    return undefined;
  }
}
