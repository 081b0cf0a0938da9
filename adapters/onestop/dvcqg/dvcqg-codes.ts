import type { ApplicantInput } from '../../../src/dossiers/dossier-model';
import type { Channel, DossierStatus } from '../../../src/dossiers/statuses';
import { AGENCY_CODE, DOSSIER_CODE, STATUS_NAMES } from '../../../schemas/common';

/**
 * The national portal's identifiers and code lists (domain.md §2–3): dossier and agency codes,
 * TrangThaiHoSo, KenhThucHien, LoaiDoiTuong. Vendors' one-stop systems use the same lists, so
 * other one-stop adapters read them from here.
 */

const DOSSIER_CODE_SHAPE = new RegExp(DOSSIER_CODE.pattern);
const AGENCY_CODE_SHAPE = new RegExp(AGENCY_CODE.pattern);

/** Loosely `{agency}-{date}-{counter}`, ministries' variants included (the canonical pattern). */
export function isDossierCode(text: string): boolean {
  return text.length <= DOSSIER_CODE.maxLength && DOSSIER_CODE_SHAPE.test(text);
}

export function isAgencyCode(text: string): boolean {
  return text.length <= AGENCY_CODE.maxLength && AGENCY_CODE_SHAPE.test(text);
}

/** The agency part of a dossier code when it is a full agency code (ministries' variants may use a shorter unit code). */
export function agencyPartOf(dossierCode: string): string | undefined {
  const part = dossierCode.slice(0, dossierCode.indexOf('-'));
  return isAgencyCode(part) ? part : undefined;
}

export type StatusCode = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10;

/** The canonical status of a portal status code, or undefined outside 1–10. */
export function statusOfCode(code: number): DossierStatus | undefined {
  return Number.isInteger(code) && code >= 1 && code <= STATUS_NAMES.length ? STATUS_NAMES[code - 1] : undefined;
}

export function codeOfStatus(status: string): StatusCode | undefined {
  const index = (STATUS_NAMES as readonly string[]).indexOf(status);
  return index < 0 ? undefined : ((index + 1) as StatusCode);
}

export const CHANNEL_BY_CODE: Readonly<Record<string, Channel>> = Object.freeze({ '1': 'DIRECT', '2': 'ONLINE', '3': 'POSTAL' });

export const APPLICANT_TYPE_BY_CODE: Readonly<Record<string, ApplicantInput['type']>> = Object.freeze({
  '1': 'CITIZEN',
  '2': 'ENTERPRISE',
  '3': 'AGENCY',
  '4': 'ORGANIZATION',
});

/** The code of a value in one of the tables above (the reverse lookup answers and submissions need). */
export function codeOf<T extends string>(table: Readonly<Record<string, T>>, value: unknown): string | undefined {
  return Object.keys(table).find((code) => table[code] === value);
}

export const RESULT_STATUS_CODES: ReadonlySet<number> = new Set([9, 10]);
