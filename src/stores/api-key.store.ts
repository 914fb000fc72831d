import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../database/database.service';
import { listPage, ListQuery, NEWEST_FIRST } from './list-page';
import { inTransaction, poolSql, transactionLock } from './sql';
import { ADVISORY_LOCKS } from '../database/advisory-locks';

export interface ApiKeyRow {
  id: string;
  name: string;
  hint: string;
  key_hash: string;
  role: string;
  expires_at: Date | null;
  last_used_at: Date | null;
  created_by: string;
  created_at: Date;
  revoked_at: Date | null;
}

export interface NewApiKey {
  id: string;
  name: string;
  hint: string;
  keyHash: string;
  role: string;
  expiresAt: Date | null;
  createdBy: string;
}

const COLUMNS = `id, name, hint, key_hash, role, expires_at, last_used_at, created_by, created_at,
  revoked_at`;
const INSERT_SQL = `INSERT INTO api_key (id, name, hint, key_hash, role, expires_at, created_by)
  VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`;

/** The api_key table: keys are stored by hash only; revoked keys stay, for the audit trail. */
@Injectable()
export class ApiKeyStore {
  constructor(private readonly db: DatabaseService) {}

  /** Undefined when an active key already has this name. */
  async insert(key: NewApiKey): Promise<ApiKeyRow | undefined> {
    try {
      const [row] = await this.db.query<ApiKeyRow>(INSERT_SQL, insertParams(key));
      return row;
    } catch (error) {
      if ((error as { code?: string }).code === '23505') return undefined;
      throw error;
    }
  }

  /** Inserts `key` only if there is no key at all yet (one process wins when several start). */
  async insertIfNone(key: NewApiKey): Promise<boolean> {
    return inTransaction(this.db, async (sql) => {
      await transactionLock(sql, ADVISORY_LOCKS.firstAdminKey);
      const [{ any }] = await sql.rows<{ any: boolean }>(
        'SELECT EXISTS (SELECT 1 FROM api_key) AS any',
      );
      if (any) return false;
      await sql.rows(INSERT_SQL, insertParams(key));
      return true;
    });
  }

  /** The active key with this hash (revoked ones are not found). */
  async findActiveByHash(keyHash: string): Promise<ApiKeyRow | undefined> {
    const [row] = await this.db.query<ApiKeyRow>(
      `SELECT ${COLUMNS} FROM api_key WHERE key_hash = $1 AND revoked_at IS NULL`,
      [keyHash],
    );
    return row;
  }

  page(query: ListQuery & { includeRevoked?: boolean }) {
    return listPage<ApiKeyRow>(
      poolSql(this.db),
      {
        from: 'api_key',
        columns: COLUMNS,
        // Revoked keys stay for the record; lists show them only when asked.
        filters: [
          { sql: '(revoked_at IS NULL) = ?', value: query.includeRevoked ? undefined : true },
        ],
        order: NEWEST_FIRST,
      },
      query,
    );
  }

  /** Revokes by id or by the name of an active key; undefined when there is no such key. */
  async revoke(idOrName: { id: string } | { name: string }): Promise<ApiKeyRow | undefined> {
    const [row] = await this.db.query<ApiKeyRow>(
      'id' in idOrName
        ? `UPDATE api_key SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1
            RETURNING ${COLUMNS}`
        : `UPDATE api_key SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL
            RETURNING ${COLUMNS}`,
      ['id' in idOrName ? idOrName.id : idOrName.name],
    );
    return row;
  }

  /** Records that these keys were used now. */
  async touch(ids: string[]): Promise<void> {
    await this.db.query('UPDATE api_key SET last_used_at = now() WHERE id = ANY($1::uuid[])', [
      ids,
    ]);
  }

  /** Active keys that have this role, by name (a role in use cannot be deleted). */
  async namesWithRole(role: string): Promise<string[]> {
    const rows = await this.db.query<{ name: string }>(
      'SELECT name FROM api_key WHERE role = $1 AND revoked_at IS NULL ORDER BY name',
      [role],
    );
    return rows.map((row) => row.name);
  }
}

function insertParams(key: NewApiKey): unknown[] {
  return [key.id, key.name, key.hint, key.keyHash, key.role, key.expiresAt, key.createdBy];
}
