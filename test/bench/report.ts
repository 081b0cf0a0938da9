import { CATCH_UP_LIMIT_SECONDS, type OfferedLoadResult, type OutageResult, type RelayThroughputResult } from './events';
import type { LoadResult } from './load';
import type { NativeSyncResult } from './onestop';
import type { PaymentLoadResult } from './payments';
import type { SsoBenchResult } from './sso-bench';
import type { BatchLoadResult, HubLoadResult } from './scenarios';

export type Outcome<T> = { ok: true; result: T } | { ok: false; error: string };

/** The error of a scenario left out by BENCH_SCENARIOS. */
export const SKIPPED = 'skipped (BENCH_SCENARIOS)';

export interface BenchOutcomes {
  baseline: Outcome<LoadResult>;
  hubSingle: Outcome<HubLoadResult>;
  hubBatch: Outcome<BatchLoadResult>;
  pgliteSingle: Outcome<HubLoadResult>;
  relayThroughput: Outcome<RelayThroughputResult>;
  relayLatency: Outcome<OfferedLoadResult>;
  kafkaOutage: Outcome<OutageResult>;
  paymentCallbacks: Outcome<PaymentLoadResult & { accepted: number; other: number }>;
  paymentCreation: Outcome<PaymentLoadResult>;
  nativeSync: Outcome<NativeSyncResult>;
  submissionRouting: Outcome<LoadResult>;
  sso: Outcome<SsoBenchResult>;
}

type HttpScenario = 'baseline' | 'hubSingle' | 'hubBatch' | 'pgliteSingle' | 'paymentCallbacks' | 'paymentCreation' | 'nativeSync' | 'submissionRouting';
type EventsScenario = 'relayThroughput' | 'relayLatency' | 'kafkaOutage';

export interface BenchSettings {
  /** The Node.js the servers run on (the bench's own): numbers differ a lot between releases. */
  node: string;
  durationSeconds: number;
  warmupSeconds: number;
  connections: Record<HttpScenario, number>;
  events: {
    /** Dossiers created while the broker is down: their events make the relay's backlog. */
    relayDossiers: number;
    latencyEventsPerSecond: number;
    outageEventsPerSecond: number;
    outageSeconds: number;
  };
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
  relayEventsPerSecond: 20_000,
  commitToAckP99Ms: 200,
  outageCatchUpSeconds: 60,
  paymentCallbacksPerSecond: 3_000,
  paymentCallbackP99Ms: 30,
  paymentCreationsPerSecond: 3_000,
  nativeToCanonicalRatio: 0.8,
  submissionsPerSecond: 2_000,
  userinfoPerSecond: 5_000,
  tokenExchangesPerSecond: 500,
  fullLoginsPerSecond: 200,
  /** Committed events/s below this share of the offered rate mean the hub, not the relay, was the limit. */
  committedShareOfOffered: 0.95,
};

const SCENARIO_LABELS: Record<HttpScenario, string> = {
  baseline: 'baseline: bare Fastify + 1 INSERT',
  hubSingle: 'hub single events (Postgres)',
  hubBatch: 'hub batch x1000 (Postgres)',
  pgliteSingle: 'hub single events (PGlite)',
  paymentCallbacks: 'VNPay IPN, pre-signed (Postgres)',
  paymentCreation: 'payment creation (Postgres)',
  nativeSync: 'DongBoHoSoMC, 1 dossier a message (Postgres)',
  submissionRouting: 'submissions into pull inboxes (Postgres)',
};

const SCENARIO_KEYS = Object.keys(SCENARIO_LABELS) as HttpScenario[];

const EVENTS_LABELS: Record<EventsScenario, string> = {
  relayThroughput: 'Kafka relay, backlog',
  relayLatency: 'Kafka relay, offered load',
  kafkaOutage: 'Kafka outage, offered load',
};

const whole = (value: number) => Math.round(value).toLocaleString('en-US');

/** A measurement only counts if every request was answered with success. */
function failedAnswers(result: Pick<LoadResult, 'non2xx' | 'errors'>): string[] {
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

function checkRelayThroughput({ relayThroughput }: BenchOutcomes): TargetCheck {
  const target = `relay >= ${whole(TARGETS.relayEventsPerSecond)} events/s`;
  if (!relayThroughput.ok) return notRun(target);
  const { eventsPerSecond, backlogEvents, publishedEvents, seconds } = relayThroughput.result;
  const problems = publishedEvents < backlogEvents ? [`${whole(backlogEvents - publishedEvents)} of ${whole(backlogEvents)} events not published`] : [];
  return check(target, `${whole(eventsPerSecond)} events/s (${whole(publishedEvents)} events in ${seconds.toFixed(2)} s)`, eventsPerSecond >= TARGETS.relayEventsPerSecond, problems);
}

/** What makes an offered-load measurement unusable, whatever its headline number. */
function offeredLoadProblems(result: OfferedLoadResult | OutageResult): string[] {
  const problems = failedAnswers(result);
  if (result.refusedItems > 0) problems.push(`${whole(result.refusedItems)} items refused`);
  if (result.committedEventsPerSecond < TARGETS.committedShareOfOffered * result.offeredEventsPerSecond) {
    problems.push(`only ${whole(result.committedEventsPerSecond)} of ${whole(result.offeredEventsPerSecond)} events/s committed`);
  }
  return problems;
}

function checkRelayLatency({ relayLatency }: BenchOutcomes, settings: BenchSettings): TargetCheck {
  const target = `commit->ack p99 <= ${TARGETS.commitToAckP99Ms} ms at ${whole(settings.events.latencyEventsPerSecond)} events/s`;
  if (!relayLatency.ok) return notRun(target);
  const r = relayLatency.result;
  const problems = offeredLoadProblems(r);
  if (r.acknowledgedEvents < r.committedEvents) problems.push(`${whole(r.committedEvents - r.acknowledgedEvents)} committed events not on the broker`);
  const histogram = r.hubHistogramP99BoundMs === null ? 'beyond its last bucket' : `<= ${r.hubHistogramP99BoundMs} ms`;
  return check(
    target,
    `p99 ${r.commitToAckP99Ms} ms, p50 ${r.commitToAckP50Ms} ms over ${whole(r.acknowledgedEvents)} events (hub histogram p99 ${histogram})`,
    r.commitToAckP99Ms <= TARGETS.commitToAckP99Ms,
    problems,
  );
}

function checkKafkaOutage({ kafkaOutage }: BenchOutcomes, settings: BenchSettings): TargetCheck {
  const { outageSeconds, outageEventsPerSecond } = settings.events;
  const target = `Kafka lag back to 0 <= ${TARGETS.outageCatchUpSeconds} s after a ${outageSeconds} s outage at ${whole(outageEventsPerSecond)} events/s`;
  if (!kafkaOutage.ok) return notRun(target);
  const { catchUpSeconds, backlogEvents, lastUnpublished } = kafkaOutage.result;
  const measured = catchUpSeconds === null ? `not within ${CATCH_UP_LIMIT_SECONDS} s, ${whole(lastUnpublished)} still unpublished` : `${catchUpSeconds.toFixed(1)} s`;
  return check(
    target,
    `${measured} (backlog ${whole(backlogEvents)} events at the broker's return)`,
    catchUpSeconds !== null && catchUpSeconds <= TARGETS.outageCatchUpSeconds,
    offeredLoadProblems(kafkaOutage.result),
  );
}

function checkPaymentCallbacks({ paymentCallbacks }: BenchOutcomes): TargetCheck {
  const target = `signed IPN >= ${whole(TARGETS.paymentCallbacksPerSecond)} callbacks/s, p99 <= ${TARGETS.paymentCallbackP99Ms} ms`;
  if (!paymentCallbacks.ok) return notRun(target);
  const { successfulRequestsPerSecond, latencyP99Ms, accepted, other } = paymentCallbacks.result;
  const problems = failedAnswers(paymentCallbacks.result);
  // Every measured callback must be a first one (ACCEPTED, RspCode 00): replays are cheaper and would flatter the number.
  if (other > 0) problems.push(`${whole(other)} not accepted`);
  return check(
    target,
    `${whole(successfulRequestsPerSecond)} callbacks/s (${whole(accepted)} accepted), p99 ${latencyP99Ms} ms`,
    successfulRequestsPerSecond >= TARGETS.paymentCallbacksPerSecond && latencyP99Ms <= TARGETS.paymentCallbackP99Ms,
    problems,
  );
}

function checkPaymentCreation({ paymentCreation }: BenchOutcomes): TargetCheck {
  const target = `payment creation >= ${whole(TARGETS.paymentCreationsPerSecond)}/s`;
  if (!paymentCreation.ok) return notRun(target);
  const { successfulRequestsPerSecond, latencyP99Ms } = paymentCreation.result;
  return check(target, `${whole(successfulRequestsPerSecond)}/s, p99 ${latencyP99Ms} ms`, successfulRequestsPerSecond >= TARGETS.paymentCreationsPerSecond, failedAnswers(paymentCreation.result));
}

function checkNativeSync({ nativeSync, hubSingle }: BenchOutcomes): TargetCheck {
  const target = `DongBoHoSoMC >= ${TARGETS.nativeToCanonicalRatio} x canonical single events (same run)`;
  if (!nativeSync.ok || !hubSingle.ok) return notRun(target);
  const ratio = nativeSync.result.successfulRequestsPerSecond / hubSingle.result.successfulRequestsPerSecond;
  const problems = failedAnswers(nativeSync.result);
  if (nativeSync.result.refused > 0) problems.push(`${whole(nativeSync.result.refused)} refused`);
  return check(
    target,
    `${ratio.toFixed(2)} (${whole(nativeSync.result.successfulRequestsPerSecond)} / ${whole(hubSingle.result.successfulRequestsPerSecond)}), p99 ${nativeSync.result.latencyP99Ms} ms`,
    ratio >= TARGETS.nativeToCanonicalRatio,
    problems,
  );
}

function checkSubmissionRouting({ submissionRouting }: BenchOutcomes): TargetCheck {
  const target = `submissions into inboxes >= ${whole(TARGETS.submissionsPerSecond)}/s`;
  if (!submissionRouting.ok) return notRun(target);
  const { successfulRequestsPerSecond, latencyP99Ms } = submissionRouting.result;
  return check(target, `${whole(successfulRequestsPerSecond)}/s, p99 ${latencyP99Ms} ms`, successfulRequestsPerSecond >= TARGETS.submissionsPerSecond, failedAnswers(submissionRouting.result));
}

function checkSso({ sso }: BenchOutcomes): TargetCheck[] {
  const targets = [
    `SSO userinfo >= ${whole(TARGETS.userinfoPerSecond)} req/s`,
    `SSO code exchange >= ${whole(TARGETS.tokenExchangesPerSecond)}/s`,
    `SSO full logins (local upstream) >= ${whole(TARGETS.fullLoginsPerSecond)}/s`,
  ] as const;
  if (!sso.ok) return targets.map(notRun);
  const { userinfoPerSecond: u, tokenExchangesPerSecond: t, fullLoginsPerSecond: l } = sso.result;
  return [
    check(targets[0], `${whole(u.mean)} req/s, p99 ${u.p99Ms} ms, hub CPU ${whole(u.hubCpuUsPerRequest)} µs a request`, u.mean >= TARGETS.userinfoPerSecond, failedAnswers(u)),
    check(targets[1], `${whole(t.perSecond)}/s (${whole(t.exchanged)} codes)`, t.perSecond >= TARGETS.tokenExchangesPerSecond, t.failures ? [`${t.failures} failed`] : []),
    check(targets[2], `${whole(l.perSecond)}/s, hub CPU ${l.hubCpuMsPerLogin.toFixed(1)} ms a login`, l.perSecond >= TARGETS.fullLoginsPerSecond, l.failures ? [`${l.failures} failed${l.firstFailure ? `: ${l.firstFailure}` : ''}`] : []),
  ];
}

export function checkTargets(outcomes: BenchOutcomes, settings: BenchSettings): TargetCheck[] {
  return [
    checkHubAgainstBaseline(outcomes),
    checkBatch(outcomes),
    checkPglite(outcomes),
    checkMemory(outcomes),
    checkRelayThroughput(outcomes),
    checkRelayLatency(outcomes, settings),
    checkKafkaOutage(outcomes, settings),
    checkPaymentCallbacks(outcomes),
    checkPaymentCreation(outcomes),
    checkNativeSync(outcomes),
    checkSubmissionRouting(outcomes),
    ...checkSso(outcomes),
  ];
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

const dash = '-';

function offeredLoadRow(label: string, r: OfferedLoadResult | OutageResult, latency: string[], lag: string): string[] {
  return [label, whole(r.offeredEventsPerSecond), whole(r.committedEventsPerSecond), dash, ...latency, lag, whole(r.non2xx), whole(r.errors)];
}

/** One row per events scenario; a dash where the scenario does not measure that column. */
function eventsRows({ relayThroughput, relayLatency, kafkaOutage }: BenchOutcomes): string[][] {
  const notRunRow = (key: EventsScenario) => [EVENTS_LABELS[key], 'not run'];
  const lag = (r: OutageResult) => (r.catchUpSeconds === null ? `> ${CATCH_UP_LIMIT_SECONDS}` : r.catchUpSeconds.toFixed(1));
  return [
    relayThroughput.ok
      ? [`${EVENTS_LABELS.relayThroughput} of ${whole(relayThroughput.result.backlogEvents)}`, dash, dash, whole(relayThroughput.result.eventsPerSecond), dash, dash, dash, dash, dash]
      : notRunRow('relayThroughput'),
    relayLatency.ok
      ? offeredLoadRow(EVENTS_LABELS.relayLatency, relayLatency.result, [String(relayLatency.result.commitToAckP50Ms), String(relayLatency.result.commitToAckP99Ms)], dash)
      : notRunRow('relayLatency'),
    kafkaOutage.ok ? offeredLoadRow(EVENTS_LABELS.kafkaOutage, kafkaOutage.result, [dash, dash], lag(kafkaOutage.result)) : notRunRow('kafkaOutage'),
  ];
}

function notes(outcomes: BenchOutcomes): string[] {
  const labels: Record<keyof BenchOutcomes, string> = { ...SCENARIO_LABELS, ...EVENTS_LABELS, sso: 'single sign-on' };
  return (Object.keys(labels) as Array<keyof BenchOutcomes>).flatMap((key) => {
    const outcome = outcomes[key];
    if (!outcome.ok) return outcome.error === SKIPPED ? [] : [`${labels[key]} could not run: ${outcome.error}`];
    return 'firstFailure' in outcome.result && outcome.result.firstFailure ? [`${labels[key]}, first failed answer: ${outcome.result.firstFailure}`] : [];
  });
}

export function formatReport(outcomes: BenchOutcomes, settings: BenchSettings, checks: TargetCheck[], warnings: string[]): string {
  const scenarios = SCENARIO_KEYS.map((key) =>
    scenarioRow(SCENARIO_LABELS[key], settings.connections[key], outcomes[key]),
  );
  const failures = notes(outcomes);
  const targets = checks.map((c) => [c.target, c.measured, c.verdict + (c.problems.length ? ` (${c.problems.join(', ')})` : '')]);
  return [
    `Liên Thông benchmark on Node ${settings.node}: ${settings.durationSeconds} s per scenario after ${settings.warmupSeconds} s warm-up; load generator on the same machine`,
    '',
    table([['scenario', 'conns', 'req/s mean', 'req/s median', 'p50 ms', 'p99 ms', 'non-2xx', 'errors'], ...scenarios]),
    '',
    'Events: the hub relays to the Kafka test broker (own process); commit->ack per event = broker append time - CloudEvent time',
    table([['events scenario', 'offered ev/s', 'committed ev/s', 'published ev/s', 'ack p50 ms', 'ack p99 ms', 'lag to 0 s', 'non-2xx', 'errors'], ...eventsRows(outcomes)]),
    '',
    table([['target', 'measured', 'verdict'], ...targets]),
    ...(failures.length ? ['', ...failures] : []),
    ...(warnings.length ? ['', ...warnings.map((warning) => `warning: ${warning}`)] : []),
  ].join('\n');
}

/** One line, so that scripts can keep the last line of the output and parse it. */
export function formatJsonLine(outcomes: BenchOutcomes, settings: BenchSettings, checks: TargetCheck[], warnings: string[]): string {
  return JSON.stringify({ settings, scenarios: outcomes, targets: checks, warnings });
}
