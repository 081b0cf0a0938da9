import { type RawBuilder, sql } from 'kysely';

/**
 * Multi-row writes with one parameter: the rows travel as a JSON array, and PostgreSQL
 * turns it back into rows of the table's own type (`jsonb_populate_recordset`), so each
 * value takes its column's type. The statement text is the same for 1 row or 1,000 and
 * costs nothing to build; JSON columns travel as plain nested values. The array is parsed
 * once as jsonb: `json_populate_recordset` would re-parse every nested value into a jsonb
 * column (measured: ~35 ms against ~10 ms for 1,000 CloudEvents).
 */
export interface Column<R> {
  name: string;
  value(row: R): string | number | boolean | Date | object | null;
}

function toJson<R>(columns: readonly Column<R>[], rows: readonly R[]): string {
  return JSON.stringify(rows.map((row) => Object.fromEntries(columns.map((c) => [c.name, c.value(row)]))));
}

/**
 * `SELECT <columns> FROM <rows as records of table>`, for INSERT ... SELECT and UPDATE ... FROM.
 * The LIMIT (never reached) tells the planner how many rows come: it estimates any record
 * set at 100 rows, and joined in an UPDATE ... FROM against a table of some tens of
 * thousands of rows that made it scan the whole table rather than look 100 keys up.
 */
export function selectRows<R>(table: string, columns: readonly Column<R>[], rows: readonly R[]): RawBuilder<unknown> {
  return sql`SELECT ${sql.join(columns.map((c) => sql.ref(c.name)))} FROM jsonb_populate_recordset(NULL::${sql.table(table)}, ${toJson(columns, rows)}::jsonb) LIMIT ${sql.lit(rows.length)}`;
}

export function insertRows<R>(table: string, columns: readonly Column<R>[], rows: readonly R[]): RawBuilder<unknown> {
  return sql`INSERT INTO ${sql.table(table)} (${sql.join(columns.map((c) => sql.ref(c.name)))}) ${selectRows(table, columns, rows)}`;
}
