import { InvalidInputException } from '../common/errors';
import { Sql } from './sql';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;
/**
 * Matching rows counted exactly at most: past this, `total` is the planner's estimate. Counting
 * every row of a long history would cost as much as reading it.
 */
export const EXACT_TOTAL_UP_TO = 10_000;
/**
 * A planner estimate this far past the bound is trusted without counting: statistics are not
 * that far off, and an estimate is what the answer would carry anyway.
 */
const ESTIMATE_TRUSTED_ABOVE = 5 * EXACT_TOTAL_UP_TO;

/** What a list asks for: a page size and where to start (a cursor, or an offset). */
export interface ListQuery {
  limit?: number;
  offset?: number;
  /** `next_cursor` of the previous page: the page after it, found through the index (keyset). */
  cursor?: string;
}

/** The SQL types a sort column may have (the cursor's values are cast back to them). */
export type KeyType = 'timestamptz' | 'uuid' | 'bigint' | 'text';

/**
 * The order of a list: by `key`, then by the unique `id` to break ties; the pair is the keyset a
 * cursor names. `key` equal to `id` (a unique name) orders by that column alone.
 */
export interface ListOrder {
  key: string;
  keyType: KeyType;
  id: string;
  idType: KeyType;
  direction: 'ASC' | 'DESC';
}

export interface ListSpec {
  /** Table (or join) to read. */
  from: string;
  columns: string;
  /** Filters whose value is undefined are left out; `?` stands for the value. */
  filters?: Array<{ sql: string; value: unknown }>;
  order: ListOrder;
}

export interface RowPage<Row> {
  rows: Row[];
  /** Matching rows: exact up to EXACT_TOTAL_UP_TO, else estimated; left out on cursor pages. */
  total?: number;
  totalIsEstimate?: boolean;
  limit: number;
  offset?: number;
  /** Names the page after this one; null on the last page. */
  nextCursor: string | null;
}

/** A filter keeping rows whose `sql` holds for `value`; left out when the value is undefined. */
export type ListFilter = { sql: string; value: unknown };

/** Newest first by `created_at`, then id: the order of most lists. */
export const NEWEST_FIRST: ListOrder = {
  key: 'created_at',
  keyType: 'timestamptz',
  id: 'id',
  idType: 'uuid',
  direction: 'DESC',
};

/**
 * One page of rows in the order the spec says. With a cursor the page starts right after the
 * row it names (an index range scan: page 1,000 costs what page 1 costs) and no total is
 * counted; with an offset (the older way, kept for clients) `total` is counted up to a bound.
 */
export async function listPage<Row>(
  sql: Sql,
  spec: ListSpec,
  query: ListQuery,
): Promise<RowPage<Row>> {
  const limit = query.limit ?? DEFAULT_LIMIT;
  if (query.cursor !== undefined && query.offset) {
    throw new InvalidInputException(['cursor and offset cannot be used together']);
  }
  const params: unknown[] = [];
  const conditions = (spec.filters ?? [])
    .filter((filter) => filter.value !== undefined)
    .map((filter) => {
      params.push(filter.value);
      return filter.sql.replace('?', `$${params.length}`);
    });
  const filterConditions = [...conditions];
  const { key, id, direction } = spec.order;
  if (query.cursor !== undefined) {
    const after = decodeCursor(query.cursor, spec.order);
    const compare = direction === 'DESC' ? '<' : '>';
    params.push(after[0]);
    const keyParam = `$${params.length}::${spec.order.keyType}`;
    if (key === id) {
      conditions.push(`${key} ${compare} ${keyParam}`);
    } else {
      params.push(after[1]);
      const idParam = `$${params.length}::${spec.order.idType}`;
      conditions.push(`(${key}, ${id}) ${compare} (${keyParam}, ${idParam})`);
    }
  }
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  const orderBy = key === id ? `${key} ${direction}` : `${key} ${direction}, ${id} ${direction}`;
  const offset = query.cursor !== undefined ? 0 : (query.offset ?? 0);
  const filterParams = params.slice(0, filterConditions.length);
  // An offset page may need the planner's estimate of the matching rows: asked beside the page
  // (its own connection), not after it, so a first page costs one round trip, not two.
  const estimating =
    query.cursor === undefined ? estimateMatching(sql, spec.from, where, filterParams) : undefined;
  estimating?.catch(() => undefined);
  // One more than asked: whether there is a next page, without counting.
  const fetched = await sql.rows<Row & CursorColumns>(
    `SELECT ${spec.columns}, ${key}::text AS cursor_key, ${id}::text AS cursor_id
       FROM ${spec.from} ${where} ORDER BY ${orderBy}
      LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, limit + 1, offset],
  );
  const more = fetched.length > limit;
  const pageRows = fetched.slice(0, limit);
  const last = pageRows[pageRows.length - 1];
  const nextCursor = more && last ? encodeCursor(last.cursor_key, last.cursor_id) : null;
  const rows = pageRows.map(({ cursor_key: _key, cursor_id: _id, ...row }) => row as Row);
  if (estimating === undefined) return { rows, limit, nextCursor };
  // The last page says how many there are: those before it and on it. Nothing to count.
  const counted =
    !more && (pageRows.length > 0 || offset === 0)
      ? { total: offset + pageRows.length, estimated: false }
      : await countMatching(sql, spec.from, where, filterParams, await estimating);
  return {
    rows,
    total: counted.total,
    totalIsEstimate: counted.estimated,
    limit,
    offset,
    nextCursor,
  };
}

interface CursorColumns {
  cursor_key: string;
  cursor_id: string;
}

/** The planner's estimate of the rows matching `where`: a plan, not a scan. */
async function estimateMatching(
  sql: Sql,
  from: string,
  where: string,
  params: unknown[],
): Promise<number> {
  const [plan] = await sql.rows<{ 'QUERY PLAN': Array<{ Plan: { 'Plan Rows': number } }> }>(
    `EXPLAIN (FORMAT JSON) SELECT 1 FROM ${from} ${where}`,
    params,
  );
  return Math.round(plan['QUERY PLAN'][0].Plan['Plan Rows']);
}

/**
 * Matching rows: the planner's estimate when it is far past EXACT_TOTAL_UP_TO, else counted up
 * to EXACT_TOTAL_UP_TO (a bounded index scan) and estimated only past that. Far past the bound
 * the estimate is what would be reported anyway, so a long history's first page does not read
 * ten thousand index entries to learn it.
 */
async function countMatching(
  sql: Sql,
  from: string,
  where: string,
  params: unknown[],
  estimate: number,
): Promise<{ total: number; estimated: boolean }> {
  if (estimate > ESTIMATE_TRUSTED_ABOVE) return { total: estimate, estimated: true };
  const [{ n }] = await sql.rows<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM ${from} ${where}
       LIMIT $${params.length + 1}) bounded`,
    [...params, EXACT_TOTAL_UP_TO + 1],
  );
  if (n <= EXACT_TOTAL_UP_TO) return { total: n, estimated: false };
  return { total: Math.max(estimate, EXACT_TOTAL_UP_TO + 1), estimated: true };
}

/** A cursor is the last row's sort key and id, opaque to clients (base64url of JSON). */
export function encodeCursor(key: string, id: string): string {
  return Buffer.from(JSON.stringify([key, id])).toString('base64url');
}

const VALID_VALUE: Record<KeyType, (value: string) => boolean> = {
  timestamptz: (value) =>
    /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}(:?\d{2})?|Z)$/.test(value),
  uuid: (value) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value),
  bigint: (value) => /^-?\d{1,19}$/.test(value),
  text: () => true,
};

/** The key and id a cursor names, checked against the list's types (a bad one is a 400). */
export function decodeCursor(cursor: string, order: ListOrder): [string, string] {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  if (
    Array.isArray(decoded) &&
    decoded.length === 2 &&
    decoded.every((value) => typeof value === 'string') &&
    VALID_VALUE[order.keyType](decoded[0] as string) &&
    VALID_VALUE[order.idType](decoded[1] as string)
  ) {
    return decoded as [string, string];
  }
  throw new InvalidInputException(['cursor is not one this list gave out']);
}
