import { Sql } from './sql';

/** Where a pass over a table got to: the last row it looked at, in (key, id) order. */
export interface PruneCursor {
  key: string;
  id: string;
}

export interface PruneBatch {
  /** Rows deleted (or, in a dry run, that would be). */
  deleted: number;
  /** Rows looked at; fewer than the batch size: the pass is through the table. */
  scanned: number;
  next?: PruneCursor;
}

export interface PruneSpec {
  table: string;
  /** The time column the window applies to, and the unique id (both in one index, in order). */
  key: string;
  id: string;
  idType: 'uuid' | 'bigint';
  /** SQL over the row (alias `t`) that keeps it though it is older than the window; `$1` is the cutoff. */
  keep?: string;
}

/**
 * One batch of a prune pass: the next `batchSize` rows older than the cutoff after `after`, in
 * index order, less those `keep` keeps, deleted in one short statement (rows another
 * transaction holds are skipped, not waited for). The pass moves on by keyset, so rows that are
 * kept are looked at once a pass, not once a batch.
 */
export async function pruneBatch(
  sql: Sql,
  spec: PruneSpec,
  cutoff: Date,
  after: PruneCursor | undefined,
  batchSize: number,
  dryRun: boolean,
): Promise<PruneBatch> {
  const { table, key, id, idType } = spec;
  const params: unknown[] = [cutoff, batchSize];
  let from = '';
  if (after) {
    params.push(after.key, after.id);
    from = `AND (t.${key}, t.${id}) > ($3::timestamptz, $4::${idType})`;
  }
  const kept = spec.keep ? `AND NOT (${spec.keep})` : '';
  const doomed = dryRun
    ? `doomed AS (SELECT t.${id} FROM ${table} t JOIN scanned s ON s.${id} = t.${id} WHERE true ${kept}),
       gone AS (SELECT 1 FROM doomed)`
    : `doomed AS (SELECT t.${id} FROM ${table} t JOIN scanned s ON s.${id} = t.${id} WHERE true ${kept}
                  FOR UPDATE OF t SKIP LOCKED),
       gone AS (DELETE FROM ${table} t USING doomed d WHERE t.${id} = d.${id} RETURNING 1)`;
  const [row] = await sql.rows<{
    deleted: number;
    scanned: number;
    last_key: string | null;
    last_id: string | null;
  }>(
    `WITH scanned AS (
       SELECT t.${id}, t.${key} FROM ${table} t WHERE t.${key} < $1 ${from}
        ORDER BY t.${key}, t.${id} LIMIT $2
     ), ${doomed}, last AS (
       SELECT ${key}::text AS last_key, ${id}::text AS last_id FROM scanned
        ORDER BY ${key} DESC, ${id} DESC LIMIT 1
     )
     SELECT (SELECT count(*) FROM gone)::int AS deleted, (SELECT count(*) FROM scanned)::int AS scanned,
            (SELECT last_key FROM last), (SELECT last_id FROM last)`,
    params,
  );
  return {
    deleted: row.deleted,
    scanned: row.scanned,
    next: row.last_key && row.last_id ? { key: row.last_key, id: row.last_id } : undefined,
  };
}

/** A foreign key that points at a table: the referencing table and its (single) column. */
export interface InboundForeignKey {
  table: string;
  column: string;
  /** Deleting the referenced row deletes or clears the referencing ones (else it is refused). */
  cascades: boolean;
}

/**
 * The foreign keys that point at `table`, read from the catalog, so that pruning keeps the
 * rows something still refers to whatever migrations added since (a workflow's parent_id).
 */
export async function inboundForeignKeys(sql: Sql, table: string): Promise<InboundForeignKey[]> {
  return sql.rows<InboundForeignKey>(
    `SELECT src.relname AS table, a.attname AS column, c.confdeltype IN ('c', 'n', 'd') AS cascades
       FROM pg_constraint c
       JOIN pg_class src ON src.oid = c.conrelid
       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
      WHERE c.contype = 'f' AND c.confrelid = to_regclass($1) AND cardinality(c.conkey) = 1
      ORDER BY 1, 2`,
    [table],
  );
}

/**
 * SQL conditions (over `alias`), each true while a row refers to it through one of `keys` in a
 * way that would refuse its deletion, or from an execution not finished (`liveExecution`) that
 * deleting it would take along or orphan.
 */
export function referencedThrough(
  keys: InboundForeignKey[],
  alias: string,
  liveExecution: (referencing: string) => string,
): string[] {
  return keys.flatMap((fk, i) => {
    const ref = `fk${i}`;
    const refused = fk.cascades
      ? []
      : [`EXISTS (SELECT 1 FROM ${fk.table} ${ref} WHERE ${ref}.${fk.column} = ${alias}.id)`];
    // Deleting would also delete (or orphan) a live execution: keep it whatever the delete rule.
    const live =
      fk.table === 'execution' && fk.cascades
        ? [
            `EXISTS (SELECT 1 FROM execution ${ref} WHERE ${ref}.${fk.column} = ${alias}.id AND ${liveExecution(ref)})`,
          ]
        : [];
    return [...refused, ...live];
  });
}
