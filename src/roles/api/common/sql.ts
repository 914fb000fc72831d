import { DatabaseService } from '../../../database/database.service';

/** Runs SQL and always answers the rows (RETURNING rows for INSERT, UPDATE and DELETE). */
export interface Sql {
  rows<T>(sql: string, parameters?: unknown[]): Promise<T[]>;
}

/** Statements on the pool, each on its own. */
export function poolSql(db: DatabaseService): Sql {
  return { rows: (sql, parameters) => db.query(sql, parameters) };
}

/** Runs `work` in one transaction (for reads that lock what a write then depends on). */
export function inTransaction<T>(db: DatabaseService, work: (sql: Sql) => Promise<T>): Promise<T> {
  return db.dataSource.transaction(async (manager) => {
    const runner = manager.queryRunner!;
    return work({
      rows: async (sql, parameters) => (await runner.query(sql, parameters, true)).records,
    });
  });
}

/** A jsonb parameter: serialised here because node-postgres would turn arrays into SQL arrays. */
export function jsonParam(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}
