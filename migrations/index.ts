import type { Migration } from 'kysely';
import * as m0001 from './0001_core';
import * as m0002 from './0002_event_delivery';

/** Every migration, in order. Names are frozen: the migrator records them in the database. */
export const migrations: Readonly<Record<string, Migration>> = {
  '0001_core': m0001,
  '0002_event_delivery': m0002,
};
