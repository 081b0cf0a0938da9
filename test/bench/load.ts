import autocannon from 'autocannon';

export interface LoadPlan {
  baseUrl: string;
  /** POST unless said (VNPay's IPN is a GET). */
  method?: 'GET' | 'POST';
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  headers: Record<string, string>;
  /** Called for every request, so that consecutive requests can target different dossiers. */
  nextRequest: () => { path: string; body: string | Buffer };
  /** Sees every measured response (not the warm-up ones). */
  onResponse?: (status: number, body: string) => void;
}

export interface LoadResult {
  /** Mean and median of the per-second request counts. */
  requestsPerSecondMean: number;
  requestsPerSecondMedian: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  successfulRequestsPerSecond: number;
  non2xx: number;
  /** Connection errors and timeouts: requests that got no answer at all. */
  errors: number;
  /** The first answer that was not a success, to tell why without rerunning. */
  firstFailure?: string;
}

function runAutocannon(plan: LoadPlan, durationSeconds: number, onResponse?: (status: number, body: string) => void) {
  return autocannon({
    url: plan.baseUrl,
    connections: plan.connections,
    duration: durationSeconds,
    method: plan.method ?? 'POST',
    headers: plan.headers,
    requests: [
      {
        setupRequest: (request) => ({ ...request, ...plan.nextRequest() }),
        ...(onResponse ? { onResponse: (status: number, body: string) => onResponse(status, body) } : {}),
      },
    ],
  });
}

/** A short unmeasured run first, so that JIT, connection pools and caches are warm when measuring starts. */
export async function measureLoad(plan: LoadPlan): Promise<LoadResult> {
  await runAutocannon(plan, plan.warmupSeconds);
  let firstFailure: string | undefined;
  const result = await runAutocannon(plan, plan.durationSeconds, (status, body) => {
    if (status >= 300) firstFailure ??= `${status} ${body.slice(0, 300)}`;
    plan.onResponse?.(status, body);
  });
  return {
    requestsPerSecondMean: result.requests.mean,
    requestsPerSecondMedian: result.requests.p50,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    successfulRequestsPerSecond: result['2xx'] / result.duration,
    non2xx: result.non2xx,
    errors: result.errors,
    ...(firstFailure ? { firstFailure } : {}),
  };
}

export interface PacedPlan {
  baseUrl: string;
  headers: Record<string, string>;
  requestsPerSecond: number;
  nextRequest: () => { path: string; body: string | Buffer<ArrayBuffer> };
  onResponse?: (status: number, body: string) => void;
}

export interface PacedLoadResult {
  offeredRequestsPerSecond: number;
  successfulRequests: number;
  /** 2xx answers per second of the run. */
  successfulRequestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  non2xx: number;
  /** Requests that got no answer (connection error, or none within PACED_TIMEOUT_MS). */
  errors: number;
  firstFailure?: string;
  /** When the first request went out and when the last answer came back (epoch ms). */
  startedAtMs: number;
  stoppedAtMs: number;
}

export interface PacedLoad {
  /** Sends no more requests, waits for the answers still due, and sums up. */
  stop(): Promise<PacedLoadResult>;
}

const PACED_TIMEOUT_MS = 30_000;

/** Nearest-rank percentile; 0 for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

/**
 * Offers requests at a steady rate until stopped, each on its schedule whether or not the
 * earlier ones were answered, as independent clients would (an open loop). Not autocannon:
 * its rate limit lets each connection send its share of a second back to back when the
 * second starts, a burst every second rather than the steady rate the targets are set at.
 */
export function startPacedLoad(plan: PacedPlan): PacedLoad {
  const intervalMs = 1000 / plan.requestsPerSecond;
  const startedAtMs = Date.now();
  const startedAt = performance.now();
  const inFlight = new Set<Promise<void>>();
  const latencies: number[] = [];
  let sent = 0;
  let successes = 0;
  let non2xx = 0;
  let errors = 0;
  let firstFailure: string | undefined;

  async function send(): Promise<void> {
    const { path, body } = plan.nextRequest();
    const sentAt = performance.now();
    try {
      const response = await fetch(plan.baseUrl + path, { method: 'POST', headers: plan.headers, body, signal: AbortSignal.timeout(PACED_TIMEOUT_MS) });
      const text = await response.text();
      latencies.push(performance.now() - sentAt);
      if (response.status < 300) successes++;
      else {
        non2xx++;
        firstFailure ??= `${response.status} ${text.slice(0, 300)}`;
      }
      plan.onResponse?.(response.status, text);
    } catch (error) {
      errors++;
      firstFailure ??= (error as Error).message;
    }
  }

  function sendWhatIsDue(): void {
    // Timers fire late on a busy machine: every request due by now goes out, so the rate holds.
    const due = Math.floor((performance.now() - startedAt) / intervalMs) + 1;
    for (; sent < due; sent++) {
      const request = send().finally(() => inFlight.delete(request));
      inFlight.add(request);
    }
  }
  sendWhatIsDue();
  const timer = setInterval(sendWhatIsDue, Math.min(10, intervalMs / 2));

  return {
    async stop() {
      clearInterval(timer);
      const seconds = (performance.now() - startedAt) / 1000;
      await Promise.all(inFlight);
      return {
        offeredRequestsPerSecond: plan.requestsPerSecond,
        successfulRequests: successes,
        successfulRequestsPerSecond: successes / seconds,
        latencyP50Ms: Math.round(percentile(latencies, 50)),
        latencyP99Ms: Math.round(percentile(latencies, 99)),
        non2xx,
        errors,
        ...(firstFailure ? { firstFailure } : {}),
        startedAtMs,
        stoppedAtMs: Date.now(),
      };
    },
  };
}
