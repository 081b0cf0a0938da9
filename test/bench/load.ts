import autocannon from 'autocannon';

export interface LoadPlan {
  baseUrl: string;
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
    method: 'POST',
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
