import { Sql } from './sql';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

/** What a list asks for: a page size and where to start. */
export interface ListQuery {
  limit?: number;
  offset?: number;
}

export interface ListSpec {
  /** Table (or join) to read. */
  from: string;
  columns: string;
  /** Filters whose value is undefined are left out; `?` stands for the value. */
  filters?: Array<{ sql: string; value: unknown }>;
  orderBy: string;
}

export interface RowPage<Row> {
  rows: Row[];
  total: number;
  limit: number;
  offset: number;
}

/** A filter keeping rows whose `sql` holds for `value`; left out when the value is undefined. */
export type ListFilter = { sql: string; value: unknown };

/** One page of rows and the total that match, in the order `orderBy` says. */
export async function listPage<Row>(
  sql: Sql,
  spec: ListSpec,
  query: ListQuery,
): Promise<RowPage<Row>> {
  const limit = query.limit ?? DEFAULT_LIMIT;
  const offset = query.offset ?? 0;
  const params: unknown[] = [];
  const conditions = (spec.filters ?? [])
    .filter((filter) => filter.value !== undefined)
    .map((filter) => {
      params.push(filter.value);
      return filter.sql.replace('?', `$${params.length}`);
    });
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  const [rows, counted] = await Promise.all([
    sql.rows<Row>(
      `SELECT ${spec.columns} FROM ${spec.from} ${where} ORDER BY ${spec.orderBy}
        LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, limit, offset],
    ),
    sql.rows<{ total: number }>(`SELECT count(*)::int AS total FROM ${spec.from} ${where}`, params),
  ]);
  return { rows, total: counted[0]?.total ?? 0, limit, offset };
}
