import type { Jurisdiction } from '../parties/jurisdiction';
import type { Channel } from './statuses';

/** Canonical inputs, as the schemas in schemas/dossier.ts admit them. */
export interface ApplicantInput {
  type: 'CITIZEN' | 'ENTERPRISE' | 'AGENCY' | 'ORGANIZATION';
  name: string;
  idNumber?: string;
  phone?: string;
  email?: string;
}

export interface DossierHeaderInput {
  agencyCode: string;
  procedureCode: string;
  procedureName?: string;
  sectorCode?: string;
  channel: Channel;
  applicant: ApplicantInput;
  summary?: string;
  receivedAt: string;
  dueAt?: string;
  documents?: { code?: string; name: string; sha256?: string; url?: string; digitized?: boolean; reused?: boolean }[];
  fees?: { code?: string; name: string; amount: number; paidOnline?: boolean }[];
}

export interface DossierEventInput {
  status: string | number;
  occurredAt: string;
  sequence?: number;
  actor?: { name: string; title?: string; unit?: string };
  note?: string;
  dueAt?: string;
  supplement?: { reason: string; requestedAt?: string; completedAt?: string };
}

export interface ResultDocumentInput {
  name: string;
  /** Documents synced through the portal-compatible path may lack these (recorded as unknown). */
  mediaType: string | null;
  sha256: string | null;
  url?: string;
  size?: number;
  resultCode?: string;
}

export interface DossierResultInput {
  outcome: 'GRANTED' | 'REFUSED';
  decisionNumber?: string;
  issuedAt: string;
  issuer: { agencyCode: string; signerName?: string; signerTitle?: string };
  documents: ResultDocumentInput[];
  returnMethod?: 'IN_PERSON' | 'POSTAL' | 'ELECTRONIC';
  note?: string;
}

/** Who sends a message: the authenticated party, within its jurisdiction. */
export interface Caller {
  partyCode: string;
  clientId: string;
  jurisdiction: Jurisdiction;
  requestId: string;
}

export type DossierCommand =
  | { kind: 'upsert'; dossierCode: string; header: DossierHeaderInput }
  | { kind: 'event'; dossierCode: string; event: DossierEventInput }
  | { kind: 'result'; dossierCode: string; result: DossierResultInput };

/** One timeline entry, applied or refused. */
export interface TimelineEntry {
  statusCode: number;
  occurredAt: Date;
  sequence: number | null;
  actor: Record<string, unknown> | null;
  note: string | null;
  dueAt: Date | null;
  supplement: Record<string, unknown> | null;
  applied: boolean;
  refusalCode: string | null;
  recordedAt: Date;
}

/** A dossier's current state, as loaded and changed inside a commit batch. */
export interface DossierState {
  code: string;
  agencyCode: string;
  procedureCode: string;
  channel: Channel;
  statusCode: number | null;
  receivedAt: Date;
  dueAt: Date | null;
  finishedAt: Date | null;
  lastSequence: number | null;
  lastOccurredAt: Date | null;
  /** The header as stored (times as UTC ISO strings). */
  header: Record<string, unknown>;
  headerHash: string;
  result: Record<string, unknown> | null;
  resultSyncedAt: Date | null;
  ownerPartyCode: string;
  createdAt: Date;
  updatedAt: Date;
  /** As loaded; a write succeeds only if the row still has it (another hub node may write too). */
  version: number;
  /** Loaded only when an answer needs it. */
  timeline: TimelineEntry[] | undefined;
}
