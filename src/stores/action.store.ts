import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../database/database.service';
import type { ActionDefinition } from '../domain/core-pack';
import type { ActionPolicy } from '../domain/concurrency-policy';
import { DefinitionRow, DefinitionStore } from './definition.store';
import { jsonParam, Sql } from './sql';

export interface ActionRow extends DefinitionRow {
  description: string | null;
  runner: string;
  parameters_schema: Record<string, unknown> | null;
  defaults: Record<string, unknown> | null;
  timeout_ms: number | null;
  retry_on_worker_loss: boolean;
  /** Concurrency policy (decision 018); null: none. */
  policy: ActionPolicy | null;
  /** The definition of a `workflow` action; null for the others. */
  workflow: Record<string, unknown> | null;
}

/** What running an action needs to know of it. */
export type ActionCatalogRow = Pick<
  ActionRow,
  | 'ref'
  | 'runner'
  | 'parameters_schema'
  | 'defaults'
  | 'timeout_ms'
  | 'retry_on_worker_loss'
  | 'policy'
  | 'workflow'
>;

/** The action table. */
@Injectable()
export class ActionStore extends DefinitionStore<ActionRow> {
  constructor(db: DatabaseService) {
    super(db, 'action');
  }

  /** What running the action needs to know. */
  async catalogEntry(ref: string): Promise<ActionCatalogRow | undefined> {
    const [row] = await this.db.query<ActionCatalogRow>(
      `SELECT ref, runner, parameters_schema, defaults, timeout_ms, retry_on_worker_loss, policy, workflow
         FROM action WHERE ref = $1`,
      [ref],
    );
    return row;
  }

  /** The core pack's actions, created or brought up to date (at start-up). */
  static async upsertCore(sql: Sql, actions: ActionDefinition[]): Promise<void> {
    for (const action of actions) {
      await sql.rows(
        `INSERT INTO action (id, ref, description, runner, parameters_schema, defaults, timeout_ms,
           retry_on_worker_loss)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (ref) DO UPDATE SET description = EXCLUDED.description,
           runner = EXCLUDED.runner, parameters_schema = EXCLUDED.parameters_schema,
           defaults = EXCLUDED.defaults, timeout_ms = EXCLUDED.timeout_ms,
           retry_on_worker_loss = EXCLUDED.retry_on_worker_loss
         WHERE (action.description, action.runner, action.parameters_schema, action.defaults,
                action.timeout_ms, action.retry_on_worker_loss)
           IS DISTINCT FROM (EXCLUDED.description, EXCLUDED.runner, EXCLUDED.parameters_schema,
                EXCLUDED.defaults, EXCLUDED.timeout_ms, EXCLUDED.retry_on_worker_loss)`,
        [
          randomUUID(),
          action.ref,
          action.description,
          action.runner,
          jsonParam(action.parametersSchema),
          jsonParam(action.defaults),
          action.timeoutMs,
          action.retryOnWorkerLoss,
        ],
      );
    }
  }
}
