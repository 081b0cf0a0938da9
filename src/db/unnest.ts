import { type RawBuilder, sql } from 'kysely';

/**
 * Multi-row writes as `INSERT ... SELECT * FROM unnest($1::type[], $2::type[], ...)`: one
 * array parameter per column, so the statement text is the same for 1 row or 1,000 and
 * costs nothing to build, unlike a VALUES list with a parameter per cell.
 */
export interface Column<R> {
  name: string;
  /** PostgreSQL element type, e.g. `text`, `timestamptz`, `jsonb`. */
  type: string;
  value(row: R): string | number | boolean | Date | object | null;
}

function cell(value: ReturnType<Column<unknown>['value']>): string | number | boolean | null {
  if (value === null || typeof value !== 'object') return value;
  return value instanceof Date ? value.toISOString() : JSON.stringify(value);
}

export function unnestRows<R>(columns: readonly Column<R>[], rows: readonly R[]): RawBuilder<unknown> {
  return sql`SELECT * FROM unnest(${sql.join(columns.map((c) => sql`${rows.map((r) => cell(c.value(r)))}::${sql.raw(c.type)}[]`))})`;
}

export function insertRows<R>(table: string, columns: readonly Column<R>[], rows: readonly R[]): RawBuilder<unknown> {
  return sql`INSERT INTO ${sql.table(table)} (${sql.join(columns.map((c) => sql.ref(c.name)))}) ${unnestRows(columns, rows)}`;
}
