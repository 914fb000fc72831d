import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../database/database.service';
import type { TriggerDefinition } from '../domain/core-pack';
import { DefinitionRow, DefinitionStore } from './definition.store';
import { jsonParam, Sql } from './sql';

export interface TriggerRow extends DefinitionRow {
  description: string | null;
  payload_schema: Record<string, unknown> | null;
  webhook_secret_sealed: string | null;
}

/** What the webhook path needs of a trigger (the schema as text, to reuse its validator). */
export interface TriggerCatalogRow {
  ref: string;
  payload_schema: string | null;
  webhook_secret_sealed: string | null;
}

/** The trigger table. */
@Injectable()
export class TriggerStore extends DefinitionStore<TriggerRow> {
  constructor(db: DatabaseService) {
    super(db, 'trigger');
  }

  async catalogEntry(ref: string): Promise<TriggerCatalogRow | undefined> {
    const [row] = await this.db.query<TriggerCatalogRow>(
      `SELECT ref, payload_schema::text AS payload_schema, webhook_secret_sealed
         FROM trigger WHERE ref = $1`,
      [ref],
    );
    return row;
  }

  /** Triggers with a sealed webhook secret (for `secrets rotate-key`). */
  withWebhookSecrets(): Promise<Array<{ ref: string; webhook_secret_sealed: string }>> {
    return this.db.query(
      'SELECT ref, webhook_secret_sealed FROM trigger WHERE webhook_secret_sealed IS NOT NULL',
    );
  }

  async setWebhookSecret(ref: string, sealed: string): Promise<void> {
    await this.db.query('UPDATE trigger SET webhook_secret_sealed = $2 WHERE ref = $1', [
      ref,
      sealed,
    ]);
  }

  /** The core pack's triggers, created or brought up to date (at start-up). */
  static async upsertCore(sql: Sql, triggers: TriggerDefinition[]): Promise<void> {
    for (const trigger of triggers) {
      await sql.rows(
        `INSERT INTO trigger (id, ref, description, payload_schema) VALUES ($1, $2, $3, $4)
         ON CONFLICT (ref) DO UPDATE SET description = EXCLUDED.description,
           payload_schema = EXCLUDED.payload_schema
         WHERE trigger.description IS DISTINCT FROM EXCLUDED.description
            OR trigger.payload_schema IS DISTINCT FROM EXCLUDED.payload_schema`,
        [randomUUID(), trigger.ref, trigger.description, jsonParam(trigger.payloadSchema)],
      );
    }
  }
}
