import type { Migration } from 'kysely';
import * as m0001 from './0001_core';
import * as m0002 from './0002_event_delivery';
import * as m0003 from './0003_sso';
import * as m0004 from './0004_payments';
import * as m0005 from './0005_submissions';
import * as m0006 from './0006_portal_sync';
import * as m0007 from './0007_pending_refunds';

/** Every migration, in order. Names are frozen: the migrator records them in the database. */
export const migrations: Readonly<Record<string, Migration>> = {
  '0001_core': m0001,
  '0002_event_delivery': m0002,
  '0003_sso': m0003,
  '0004_payments': m0004,
  '0005_submissions': m0005,
  '0006_portal_sync': m0006,
  '0007_pending_refunds': m0007,
};
