import type { LoadResult } from './load';
import type { BatchLoadResult, HubLoadResult } from './scenarios';

export type Outcome<T> = { ok: true; result: T } | { ok: false; error: string };

export interface BenchOutcomes {
  baseline: Outcome<LoadResult>;
  hubSingle: Outcome<HubLoadResult>;
  hubBatch: Outcome<BatchLoadResult>;
  pgliteSingle: Outcome<HubLoadResult>;
}

export interface BenchSettings {
  durationSeconds: number;
  warmupSeconds: number;
  connections: { baseline: number; hubSingle: number; hubBatch: number; pgliteSingle: number };
}

interface TargetCheck {
  target: string;
  measured: string;
  verdict: 'PASS' | 'FAIL' | 'NOT RUN';
  /** Why a FAIL failed, beyond the headline number. */
  problems: string[];
}

const TARGETS = {
  hubToBaselineRatio: 1.0,
  hubSingleP99Ms: 25,
  batchEventsPerSecond: 50_000,
  pgliteEventsPerSecond: 2_000,
  maxRssMb: 300,
};

const SCENARIO_LABELS: Record<keyof BenchOutcomes, string> = {
  baseline: 'baseline: bare Fastify + 1 INSERT',
  hubSingle: 'hub single events (Postgres)',
  hubBatch: 'hub batch x1000 (Postgres)',
  pgliteSingle: 'hub single events (PGlite)',
};

const SCENARIO_KEYS = Object.keys(SCENARIO_LABELS) as Array<keyof BenchOutcomes>;

const whole = (value: number) => Math.round(value).toLocaleString('en-US');

/** A measurement only counts if every request was answered with success. */
function failedAnswers(result: LoadResult): string[] {
  const problems: string[] = [];
  if (result.non2xx > 0) problems.push(`${whole(result.non2xx)} non-2xx`);
  if (result.errors > 0) problems.push(`${whole(result.errors)} errors`);
  return problems;
}

function check(target: string, measured: string, met: boolean, problems: string[]): TargetCheck {
  return { target, measured, verdict: met && problems.length === 0 ? 'PASS' : 'FAIL', problems };
}

function notRun(target: string): TargetCheck {
  return { target, measured: '-', verdict: 'NOT RUN', problems: [] };
}

function checkHubAgainstBaseline({ baseline, hubSingle }: BenchOutcomes): TargetCheck {
  const target = `hub/baseline req/s >= ${TARGETS.hubToBaselineRatio.toFixed(1)}, p99 <= ${TARGETS.hubSingleP99Ms} ms`;
  if (!baseline.ok || !hubSingle.ok) return notRun(target);
  const ratio = hubSingle.result.requestsPerSecondMean / baseline.result.requestsPerSecondMean;
  const p99 = hubSingle.result.latencyP99Ms;
  return check(
    target,
    `${ratio.toFixed(2)} (${whole(hubSingle.result.requestsPerSecondMean)} / ${whole(baseline.result.requestsPerSecondMean)}), p99 ${p99} ms`,
    ratio >= TARGETS.hubToBaselineRatio && p99 <= TARGETS.hubSingleP99Ms,
    failedAnswers(hubSingle.result),
  );
}

function checkBatch({ hubBatch }: BenchOutcomes): TargetCheck {
  const target = `batch >= ${whole(TARGETS.batchEventsPerSecond)} events/s`;
  if (!hubBatch.ok) return notRun(target);
  const { eventsPerSecond, latencyP99Ms, refusedItems } = hubBatch.result;
  const problems = failedAnswers(hubBatch.result);
  if (refusedItems > 0) problems.push(`${whole(refusedItems)} items refused`);
  return check(target, `${whole(eventsPerSecond)} events/s, p99 ${latencyP99Ms} ms`, eventsPerSecond >= TARGETS.batchEventsPerSecond, problems);
}

function checkPglite({ pgliteSingle }: BenchOutcomes): TargetCheck {
  const target = `PGlite >= ${whole(TARGETS.pgliteEventsPerSecond)} events/s`;
  if (!pgliteSingle.ok) return notRun(target);
  const eventsPerSecond = pgliteSingle.result.successfulRequestsPerSecond;
  return check(target, `${whole(eventsPerSecond)} events/s`, eventsPerSecond >= TARGETS.pgliteEventsPerSecond, failedAnswers(pgliteSingle.result));
}

function checkMemory({ hubSingle, hubBatch }: BenchOutcomes): TargetCheck {
  const target = `hub RSS <= ${TARGETS.maxRssMb} MB (Postgres runs)`;
  const peaks = [hubSingle, hubBatch].flatMap((outcome) => (outcome.ok ? [outcome.result.maxRssMb] : []));
  if (peaks.length === 0) return notRun(target);
  const maxRssMb = Math.max(...peaks);
  return check(target, `${whole(maxRssMb)} MB max`, maxRssMb <= TARGETS.maxRssMb, []);
}

export function checkTargets(outcomes: BenchOutcomes): TargetCheck[] {
  return [checkHubAgainstBaseline(outcomes), checkBatch(outcomes), checkPglite(outcomes), checkMemory(outcomes)];
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd()).join('\n');
}

function scenarioRow(label: string, connections: number, outcome: Outcome<LoadResult>): string[] {
  if (!outcome.ok) return [label, String(connections), 'not run'];
  const r = outcome.result;
  return [
    label,
    String(connections),
    whole(r.requestsPerSecondMean),
    whole(r.requestsPerSecondMedian),
    String(r.latencyP50Ms),
    String(r.latencyP99Ms),
    whole(r.non2xx),
    whole(r.errors),
  ];
}

export function formatReport(outcomes: BenchOutcomes, settings: BenchSettings, checks: TargetCheck[], warnings: string[]): string {
  const scenarios = SCENARIO_KEYS.map((key) =>
    scenarioRow(SCENARIO_LABELS[key], settings.connections[key], outcomes[key]),
  );
  const notes = SCENARIO_KEYS.flatMap((key) => {
    const outcome = outcomes[key];
    if (!outcome.ok) return [`${SCENARIO_LABELS[key]} could not run: ${outcome.error}`];
    return outcome.result.firstFailure ? [`${SCENARIO_LABELS[key]}, first failed answer: ${outcome.result.firstFailure}`] : [];
  });
  const targets = checks.map((c) => [c.target, c.measured, c.verdict + (c.problems.length ? ` (${c.problems.join(', ')})` : '')]);
  return [
    `Liên Thông benchmark: ${settings.durationSeconds} s per scenario after ${settings.warmupSeconds} s warm-up; load generator on the same machine`,
    '',
    table([['scenario', 'conns', 'req/s mean', 'req/s median', 'p50 ms', 'p99 ms', 'non-2xx', 'errors'], ...scenarios]),
    '',
    table([['target', 'measured', 'verdict'], ...targets]),
    ...(notes.length ? ['', ...notes] : []),
    ...(warnings.length ? ['', ...warnings.map((warning) => `warning: ${warning}`)] : []),
  ].join('\n');
}

/** One line, so that scripts can keep the last line of the output and parse it. */
export function formatJsonLine(outcomes: BenchOutcomes, settings: BenchSettings, checks: TargetCheck[], warnings: string[]): string {
  return JSON.stringify({ settings, scenarios: outcomes, targets: checks, warnings });
}
