import { randomUUID } from 'node:crypto';
import { DatabaseService } from '../database/database.service';
import { conflict, notFound } from '../common/errors';
import { ListFilter, listPage, ListQuery, NEWEST_FIRST } from './list-page';
import { isCoreRef } from '../domain/core-pack';
import { poolSql, Sql } from './sql';

export interface DefinitionRow {
  id: string;
  ref: string;
  created_at: Date;
  updated_at: Date;
}

/** Column values of a definition; jsonb ones already serialised with jsonParam. */
export type DefinitionValues = Record<string, unknown>;

/**
 * Create / read / replace / delete by ref, shared by the stores of the definition tables
 * (trigger, action, rule, sensor). Raw SQL on snake_case columns, close to what the API returns.
 */
export abstract class DefinitionStore<Row extends DefinitionRow> {
  protected readonly pool: Sql;

  protected constructor(
    protected readonly db: DatabaseService,
    readonly table: 'trigger' | 'action' | 'rule' | 'sensor',
  ) {
    this.pool = poolSql(db);
  }

  /** A page of the definitions the filters (a caller's ref scope) keep. */
  page(query: ListQuery, filters: ListFilter[]) {
    return listPage<Row>(
      this.pool,
      { from: this.table, columns: '*', filters, order: NEWEST_FIRST },
      query,
    );
  }

  async find(ref: string, sql: Sql = this.pool): Promise<Row | undefined> {
    const [row] = await sql.rows<Row>(`SELECT * FROM ${this.table} WHERE ref = $1`, [ref]);
    return row;
  }

  async get(ref: string, sql: Sql = this.pool): Promise<Row> {
    const row = await this.find(ref, sql);
    if (!row) throw notFound(this.table, ref);
    return row;
  }

  /** Locks the row of `ref` in the caller's transaction: SHARE to depend on it, UPDATE to drop it. */
  async lock(ref: string, sql: Sql, mode: 'SHARE' | 'UPDATE'): Promise<Row | undefined> {
    const [row] = await sql.rows<Row>(`SELECT * FROM ${this.table} WHERE ref = $1 FOR ${mode}`, [
      ref,
    ]);
    return row;
  }

  /** Refuses changes to the built-in core pack: the seeder would undo them at the next start. */
  assertWritable(ref: string): void {
    if (isCoreRef(ref)) {
      throw conflict(
        `${this.table} '${ref}' belongs to the built-in core pack, which is read-only`,
      );
    }
  }

  async insert(values: DefinitionValues, sql: Sql = this.pool): Promise<Row> {
    const ref = String(values.ref);
    this.assertWritable(ref);
    const columns = ['id', ...Object.keys(values)];
    const params = [randomUUID(), ...Object.values(values)];
    try {
      const [row] = await sql.rows<Row>(
        `INSERT INTO ${this.table} (${columns.join(', ')})
         VALUES (${params.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING *`,
        params,
      );
      return row;
    } catch (error) {
      if ((error as { code?: string }).code === '23505') {
        throw conflict(`${this.table} '${ref}' already exists`);
      }
      throw error;
    }
  }

  /** Replaces the definition of `ref` (404 when there is none). */
  async replace(ref: string, values: DefinitionValues, sql: Sql = this.pool): Promise<Row> {
    this.assertWritable(ref);
    const entries = Object.entries(values).filter(([column]) => column !== 'ref');
    const sets = entries.map(([column], i) => `${column} = $${i + 2}`);
    const [row] = await sql.rows<Row>(
      `UPDATE ${this.table} SET ${[...sets, 'updated_at = now()'].join(', ')}
        WHERE ref = $1 RETURNING *`,
      [ref, ...entries.map(([, value]) => value)],
    );
    if (!row) throw notFound(this.table, ref);
    return row;
  }

  async remove(ref: string, sql: Sql = this.pool): Promise<void> {
    this.assertWritable(ref);
    const rows = await sql.rows(`DELETE FROM ${this.table} WHERE ref = $1 RETURNING id`, [ref]);
    if (rows.length === 0) throw notFound(this.table, ref);
  }
}
