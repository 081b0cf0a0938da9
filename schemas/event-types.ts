/** The event types the hub emits (api-contract.md, Events). */
export const EVENT_TYPE_NAMES = [
  'vn.gov.dvc.dossier.upserted.v1',
  'vn.gov.dvc.dossier.status_changed.v1',
  'vn.gov.dvc.dossier.result_synced.v1',
  'vn.gov.dvc.payment.status_changed.v1',
  'vn.gov.dvc.refund.status_changed.v1',
] as const;
