import type { DatabaseService } from '../database/database.service';

/** Runs SQL and always answers the rows (RETURNING rows for INSERT, UPDATE and DELETE). */
export interface Sql {
  rows<T>(sql: string, parameters?: unknown[]): Promise<T[]>;
}

/** Statements on the pool, each on its own (named, so each is prepared once per connection). */
export function poolSql(db: DatabaseService): Sql {
  return { rows: (sql, parameters) => db.query(sql, parameters) };
}

/** Runs `work` in one transaction: what it reads it may lock, and what it writes lands together. */
export function inTransaction<T>(db: DatabaseService, work: (sql: Sql) => Promise<T>): Promise<T> {
  return db.dataSource.transaction(async (manager) => {
    const runner = manager.queryRunner!;
    return work({
      rows: async (sql, parameters) => (await runner.query(sql, parameters, true)).records,
    });
  });
}

/** Session-scoped advisory lock on the connection `sql` runs on (migrations). */
export async function sessionLock(sql: Sql, key: number): Promise<void> {
  await sql.rows('SELECT pg_advisory_lock($1)', [key]);
}

export async function sessionUnlock(sql: Sql, key: number): Promise<void> {
  await sql.rows('SELECT pg_advisory_unlock($1)', [key]);
}

/** The cheapest statement that proves the database answers. */
export async function ping(sql: Sql): Promise<void> {
  await sql.rows('SELECT 1');
}

/** Waits for a transaction-scoped advisory lock. */
export async function transactionLock(sql: Sql, key: number): Promise<void> {
  await sql.rows('SELECT pg_advisory_xact_lock($1)', [key]);
}

/** Takes a transaction-scoped advisory lock if free (see database/advisory-locks.ts). */
export async function tryTransactionLock(sql: Sql, key: number): Promise<boolean> {
  const [{ locked }] = await sql.rows<{ locked: boolean }>(
    'SELECT pg_try_advisory_xact_lock($1) AS locked',
    [key],
  );
  return locked;
}

/** A jsonb parameter: serialised here because node-postgres would turn arrays into SQL arrays. */
export function jsonParam(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

/**
 * Runs `work` on one connection of its own while holding a session advisory lock, if no other
 * session holds it (undefined then): many short transactions, one holder across processes.
 */
export async function withSessionLockTried<T>(
  db: DatabaseService,
  key: number,
  work: (sql: Sql) => Promise<T>,
): Promise<T | undefined> {
  const runner = db.dataSource.createQueryRunner();
  const sql: Sql = {
    rows: async (text, params) => (await runner.query(text, params, true)).records,
  };
  try {
    await runner.connect();
    const [{ locked }] = await sql.rows<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock($1) AS locked',
      [key],
    );
    if (!locked) return undefined;
    try {
      return await work(sql);
    } finally {
      await sessionUnlock(sql, key);
    }
  } finally {
    await runner.release();
  }
}
