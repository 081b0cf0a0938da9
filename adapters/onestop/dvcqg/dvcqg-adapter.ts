import type { DossierView, InboundContext, InboundItem, InboundRequest, OneStopAdapter } from '../onestop-adapter';
import { isAgencyCode, isDossierCode } from './dvcqg-codes';
import { answerLookup, answerRefusal, answerSync, readSubmissionAnswer } from './dvcqg-answers';
import { type NativeRecord, isRecord } from './dvcqg-fields';
import { toHoSoMC } from './dvcqg-render';
import { DEFAULT_STATUS_TIME_TABLE, type StatusTimeTable } from './dvcqg-status-time';
import { type SyncContext, translateDossierItem, translateProgressItem } from './dvcqg-sync';

/**
 * The national portal's own one-stop format (domain.md §4), for systems written against the
 * portal: `POST {session, madonvi, service, data}` with service
 * - `DongBoHoSoMC` (+ `isUpdating`): dossiers with their current status and results; each item
 *   becomes a header upsert, a status event and, for 9/10 with result papers, a result;
 * - `CapNhatTienDoHoSoMC`: processing steps, one status event each;
 * - `TraCuuHoSo`: look-up by `MaHoSo` (top level, as OpenCPS sends it, or `data: [{MaHoSo}]`
 *   for several), answered with `result: [dossiers in DongBoHoSoMC's field names]`.
 * Catalogue services (LayThuTuc, LayDanhSachTTHC...) are not the hub's to answer.
 */

/** One message carries at most this many items (the canonical batch limit). */
export const MAX_ITEMS = 1000;

export interface DvcqgOptions {
  /** Which dated field gives the time of a status synced by DongBoHoSoMC (see dvcqg-status-time.ts). */
  statusTimes: StatusTimeTable;
}

const SERVICES = ['DongBoHoSoMC', 'CapNhatTienDoHoSoMC', 'TraCuuHoSo'] as const;

const refused = (code: 'MALFORMED' | 'UNKNOWN_SERVICE' | 'TOO_LARGE', message: string): InboundRequest => ({ operation: 'refused', code, message });

export function createDvcqgAdapter(options: DvcqgOptions = { statusTimes: DEFAULT_STATUS_TIME_TABLE }): OneStopAdapter {
  return {
    id: 'dvcqg',
    read: (body, context) => readMessage(body, context, options),
    answerSync,
    answerLookup,
    answerRefusal,
    renderSubmission: (dossier: DossierView, { agencyCode }) => ({
      contentType: 'application/json; charset=utf-8',
      // The hub fills `session` with the one it got from the receiving system's login.
      body: JSON.stringify({ session: '', madonvi: agencyCode, service: 'DongBoHoSoMC', isUpdating: 'False', data: [toHoSoMC(dossier)] }),
    }),
    readSubmissionAnswer,
  };
}

export const dvcqgAdapter: OneStopAdapter = createDvcqgAdapter();

function readMessage(body: string, context: InboundContext, options: DvcqgOptions): InboundRequest {
  let message: unknown;
  try {
    message = JSON.parse(body);
  } catch {
    return refused('MALFORMED', 'the body is not JSON');
  }
  if (!isRecord(message)) return refused('MALFORMED', 'the body must be a JSON object {session, madonvi, service, data}');
  const service = message['service'];
  if (typeof service !== 'string' || service.trim() === '') return refused('MALFORMED', '/service is required');
  if (!(SERVICES as readonly string[]).includes(service)) {
    return refused('UNKNOWN_SERVICE', `service ${JSON.stringify(service.slice(0, 64))} is not served here; use one of ${SERVICES.join(', ')}`);
  }

  const madonvi = message['madonvi'];
  if (madonvi !== undefined && madonvi !== null && madonvi !== '' && (typeof madonvi !== 'string' || !isAgencyCode(madonvi))) {
    return refused('MALFORMED', '/madonvi must be an agency code such as 000.00.00.H26');
  }
  const agencyCode = typeof madonvi === 'string' ? madonvi : '';
  const session = typeof message['session'] === 'string' && message['session'] !== '' ? { session: message['session'] } : {};

  if (service === 'TraCuuHoSo') return readLookup(message, agencyCode, session);

  const data = message['data'];
  if (!Array.isArray(data)) return refused('MALFORMED', '/data must be an array');
  if (data.length > MAX_ITEMS) return refused('TOO_LARGE', `/data holds ${data.length} items; at most ${MAX_ITEMS} per message`);
  if (service === 'DongBoHoSoMC' && !isUpdatingFlag(message['isUpdating'])) return refused('MALFORMED', '/isUpdating must be "True" or "False"');

  const sync: SyncContext = { madonvi: agencyCode === '' ? undefined : agencyCode, receivedAt: context.receivedAt, statusTimes: options.statusTimes };
  const translate = service === 'DongBoHoSoMC' ? translateDossierItem : translateProgressItem;
  const items: InboundItem[] = data.map((raw, index) => translate(raw, index, sync));
  return { operation: 'sync', agencyCode, ...session, items };
}

/**
 * Create and update are both a header PUT (create-or-replace) in canonical terms, so the flag
 * changes nothing; it is still checked, as a sender writing something else is confused.
 */
function isUpdatingFlag(value: unknown): boolean {
  return value === undefined || value === null || typeof value === 'boolean' || (typeof value === 'string' && ['true', 'false'].includes(value.trim().toLowerCase()));
}

function readLookup(message: NativeRecord, agencyCode: string, session: { session?: string }): InboundRequest {
  const asked: { path: string; value: unknown }[] = [];
  if (message['MaHoSo'] !== undefined) asked.push({ path: '/MaHoSo', value: message['MaHoSo'] });
  const data = message['data'];
  if (data !== undefined && data !== null) {
    if (!Array.isArray(data)) return refused('MALFORMED', '/data must be an array of {MaHoSo}');
    if (data.length > MAX_ITEMS) return refused('TOO_LARGE', `/data asks for ${data.length} dossiers; at most ${MAX_ITEMS} per message`);
    data.forEach((entry, index) => asked.push({ path: `/data/${index}/MaHoSo`, value: isRecord(entry) ? entry['MaHoSo'] : entry }));
  }
  if (asked.length === 0) return refused('MALFORMED', '/MaHoSo is required');
  const dossierCodes: string[] = [];
  for (const { path, value } of asked) {
    const code = typeof value === 'string' ? value.trim() : '';
    if (!isDossierCode(code)) return refused('MALFORMED', `${path} must be a dossier code such as 000.00.00.H26-261124-0042`);
    if (!dossierCodes.includes(code)) dossierCodes.push(code);
  }
  return { operation: 'lookup', agencyCode, ...session, dossierCodes };
}
