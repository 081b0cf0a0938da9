import { STATUS_NAMES } from '../../schemas/common';

/** Canonical dossier statuses and the portal's codes (TrangThaiHoSo 1–10). */
export type DossierStatus = (typeof STATUS_NAMES)[number];
export type Channel = 'DIRECT' | 'ONLINE' | 'POSTAL';

export const STATUS_CODES: Readonly<Record<DossierStatus, number>> = Object.freeze(
  Object.fromEntries(STATUS_NAMES.map((name, i) => [name, i + 1])) as Record<DossierStatus, number>,
);

export function statusName(code: number): DossierStatus {
  const name = STATUS_NAMES[code - 1];
  if (!name) throw new RangeError(`no dossier status has code ${code}`);
  return name;
}

/** A status as requests give it: its name or its code 1–10 (the schema admits only those). */
export function parseStatus(input: string | number): DossierStatus {
  return typeof input === 'number' ? statusName(input) : (input as DossierStatus);
}

/** Statuses that end processing; the first one reached is the finish time (9 counts before 10). */
export const FINISHING_STATUSES: ReadonlySet<DossierStatus> = new Set(['REJECTED', 'STOPPED', 'RESOLVED', 'RESULT_RETURNED']);

export const RESULT_STATUSES: ReadonlySet<DossierStatus> = new Set(['RESOLVED', 'RESULT_RETURNED']);
