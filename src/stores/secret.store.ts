import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../database/database.service';
import { listPage, ListQuery } from './list-page';
import { poolSql } from './sql';

/** A secret as listed: never its value. */
export interface SecretRow {
  name: string;
  description: string | null;
  key_id: string;
  updated_by: string;
  created_at: Date;
  updated_at: Date;
}

const LISTED = 'name, description, key_id, updated_by, created_at, updated_at';

/** The secret table: values only sealed (AES-256-GCM, see SecretCipher). */
@Injectable()
export class SecretStore {
  constructor(private readonly db: DatabaseService) {}

  page(query: ListQuery) {
    return listPage<SecretRow>(
      poolSql(this.db),
      {
        from: 'secret',
        columns: LISTED,
        order: { key: 'name', keyType: 'text', id: 'name', idType: 'text', direction: 'ASC' },
      },
      query,
    );
  }

  /** Creates or replaces; says which. */
  async put(secret: {
    name: string;
    description: string | null;
    keyId: string;
    sealedValue: string;
    updatedBy: string;
  }): Promise<{ row: SecretRow; created: boolean }> {
    const [row] = await this.db.query<SecretRow & { created: boolean }>(
      `INSERT INTO secret (name, description, key_id, sealed_value, updated_by)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (name) DO UPDATE SET description = EXCLUDED.description,
         key_id = EXCLUDED.key_id, sealed_value = EXCLUDED.sealed_value,
         updated_by = EXCLUDED.updated_by, updated_at = now()
       RETURNING ${LISTED}, (xmax = 0) AS created`,
      [secret.name, secret.description, secret.keyId, secret.sealedValue, secret.updatedBy],
    );
    const { created, ...listed } = row;
    return { row: listed, created };
  }

  async remove(name: string): Promise<boolean> {
    const rows = await this.db.query('DELETE FROM secret WHERE name = $1 RETURNING name', [name]);
    return rows.length > 0;
  }

  /** Sealed values by name, for the worker about to run an action that uses them. */
  async sealedValues(names: string[]): Promise<Map<string, string>> {
    const rows = await this.db.query<{ name: string; sealed_value: string }>(
      'SELECT name, sealed_value FROM secret WHERE name = ANY($1::text[])',
      [names],
    );
    return new Map(rows.map((row) => [row.name, row.sealed_value]));
  }

  /** Values not sealed under `keyId` (what `rotate-key` has left to do). */
  notUnder(keyId: string): Promise<Array<{ name: string; sealed_value: string }>> {
    return this.db.query('SELECT name, sealed_value FROM secret WHERE key_id <> $1 ORDER BY name', [
      keyId,
    ]);
  }

  async reseal(name: string, keyId: string, sealedValue: string): Promise<void> {
    await this.db.query('UPDATE secret SET key_id = $2, sealed_value = $3 WHERE name = $1', [
      name,
      keyId,
      sealedValue,
    ]);
  }
}
