import { toVietnamTime, toVietnamTimeOrNull } from '../time';
import type { DossierState, TimelineEntry } from './dossier-model';
import { statusName } from './statuses';

/** How the API shows a dossier (schemas/dossier.ts `Dossier`). */

/** All but the last 4 characters replaced by `*`. */
export function maskIdNumber(idNumber: string): string {
  return idNumber.length <= 4 ? '*'.repeat(idNumber.length) : `${'*'.repeat(idNumber.length - 4)}${idNumber.slice(-4)}`;
}

export interface Punctuality {
  onTime: boolean | null;
  overdue: boolean;
}

/** On time: finished no later than the promised date. Overdue: the promised date passed before it finished. */
export function punctuality(dueAt: Date | null, finishedAt: Date | null, now: Date): Punctuality {
  if (!dueAt) return { onTime: null, overdue: false };
  if (finishedAt) {
    const late = finishedAt.getTime() > dueAt.getTime();
    return { onTime: !late, overdue: late };
  }
  return { onTime: null, overdue: now.getTime() > dueAt.getTime() };
}

/** Stored times are UTC ISO strings; the API answers in +07:00. */
function localTimes<T extends Record<string, unknown>>(value: T, fields: readonly string[]): T {
  const copy: Record<string, unknown> = { ...value };
  for (const field of fields) if (typeof copy[field] === 'string') copy[field] = toVietnamTime(new Date(copy[field] as string));
  return copy as T;
}

export function timelineEntryResource(entry: TimelineEntry) {
  const status = statusName(entry.statusCode);
  return {
    status,
    statusCode: entry.statusCode,
    occurredAt: toVietnamTime(entry.occurredAt),
    sequence: entry.sequence,
    actor: entry.actor,
    note: entry.note,
    dueAt: toVietnamTimeOrNull(entry.dueAt),
    supplement: entry.supplement ? localTimes(entry.supplement, ['requestedAt', 'completedAt']) : null,
    applied: entry.applied,
    ...(entry.refusalCode ? { code: entry.refusalCode } : {}),
    recordedAt: toVietnamTime(entry.recordedAt),
  };
}

/** The applicant of a stored header, its identity number masked unless shown to the owner. */
export function applicantFor(header: Record<string, unknown>, viewerIsOwner: boolean): Record<string, unknown> {
  const applicant = { ...(header.applicant as Record<string, unknown>) };
  if (!viewerIsOwner && typeof applicant.idNumber === 'string') applicant.idNumber = maskIdNumber(applicant.idNumber);
  return applicant;
}

export function dossierSummary(state: DossierState, now: Date) {
  return {
    dossierCode: state.code,
    agencyCode: state.agencyCode,
    procedureCode: state.procedureCode,
    channel: state.channel,
    status: state.statusCode === null ? null : statusName(state.statusCode),
    statusCode: state.statusCode,
    receivedAt: toVietnamTime(state.receivedAt),
    dueAt: toVietnamTimeOrNull(state.dueAt),
    finishedAt: toVietnamTimeOrNull(state.finishedAt),
    ...punctuality(state.dueAt, state.finishedAt, now),
    updatedAt: toVietnamTime(state.updatedAt),
  };
}

export function dossierResource(state: DossierState, viewerPartyCode: string, now: Date) {
  const header = state.header;
  const timeline = [...(state.timeline ?? [])].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
  return {
    ...dossierSummary(state, now),
    procedureName: header.procedureName,
    sectorCode: header.sectorCode,
    applicant: applicantFor(header, viewerPartyCode === state.ownerPartyCode),
    summary: header.summary,
    documents: header.documents,
    fees: header.fees,
    timeline: timeline.map(timelineEntryResource),
    result: state.result ? { ...localTimes(state.result, ['issuedAt']), syncedAt: toVietnamTimeOrNull(state.resultSyncedAt) } : null,
    createdAt: toVietnamTime(state.createdAt),
  };
}
