import type { Channel, DossierStatus } from './statuses';

/**
 * The allowed moves between dossier statuses (api-contract.md). The table drives the
 * check, the documentation and the tests; anything not listed is refused with
 * DOSSIER_TRANSITION_NOT_ALLOWED and kept in the timeline as evidence.
 */
const WORKING_MOVES = ['PROCESSING', 'SUPPLEMENT_REQUESTED', 'PAYMENT_REQUESTED', 'WITHDRAWAL_REQUESTED', 'STOPPED', 'RESOLVED'] as const;

export const TRANSITIONS: Readonly<Record<DossierStatus, readonly DossierStatus[]>> = {
  SUBMITTED: ['RECEIVED', 'REJECTED', 'WITHDRAWAL_REQUESTED'],
  RECEIVED: WORKING_MOVES,
  // PROCESSING → PROCESSING is a hand-over between units.
  PROCESSING: WORKING_MOVES,
  SUPPLEMENT_REQUESTED: ['PROCESSING', 'STOPPED', 'WITHDRAWAL_REQUESTED'],
  PAYMENT_REQUESTED: ['PROCESSING', 'RESOLVED', 'STOPPED', 'WITHDRAWAL_REQUESTED'],
  WITHDRAWAL_REQUESTED: ['STOPPED', 'PROCESSING'],
  RESOLVED: ['RESULT_RETURNED'],
  REJECTED: [],
  STOPPED: [],
  RESULT_RETURNED: [],
};

/** The first status of a dossier depends on how it arrived. */
export const INITIAL_STATUSES: Readonly<Record<Channel, readonly DossierStatus[]>> = {
  ONLINE: ['SUBMITTED', 'RECEIVED', 'REJECTED'],
  DIRECT: ['RECEIVED'],
  POSTAL: ['RECEIVED'],
};

export function isAllowedMove(from: DossierStatus | null, to: DossierStatus, channel: Channel): boolean {
  return (from === null ? INITIAL_STATUSES[channel] : TRANSITIONS[from]).includes(to);
}
