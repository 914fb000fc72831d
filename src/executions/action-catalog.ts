import { Injectable } from '@nestjs/common';
import { DEFINITION_FRESHNESS, RefreshingCache } from '../common/refreshing-cache';
import { DEFAULT_ACTION_TIMEOUT_MS } from '../domain/core-pack';
import { DatabaseService } from '../database/database.service';
import { validateAgainst } from './json-schema';

export interface ActionInfo {
  ref: string;
  runner: string;
  parametersSchema: object | null;
  defaults: Record<string, unknown> | null;
  timeoutMs: number;
  retryOnWorkerLoss: boolean;
}

/**
 * Looks actions up by ref and prepares parameters against their schema. Read for every
 * execution: cached, a change is seen within 1 s (at once after a write in this process).
 */
@Injectable()
export class ActionCatalog {
  private readonly cache = new RefreshingCache(
    (ref: string) => this.load(ref),
    DEFINITION_FRESHNESS,
  );

  constructor(private readonly db: DatabaseService) {}

  get(ref: string): Promise<ActionInfo | undefined> {
    return this.cache.get(ref);
  }

  private async load(ref: string): Promise<ActionInfo | undefined> {
    const [row] = await this.db.query<{
      ref: string;
      runner: string;
      parameters_schema: object | null;
      defaults: Record<string, unknown> | null;
      timeout_ms: number | null;
      retry_on_worker_loss: boolean;
    }>(
      `SELECT ref, runner, parameters_schema, defaults, timeout_ms, retry_on_worker_loss
         FROM action WHERE ref = $1`,
      [ref],
    );
    return row
      ? {
          ref: row.ref,
          runner: row.runner,
          parametersSchema: row.parameters_schema,
          defaults: row.defaults,
          timeoutMs: row.timeout_ms ?? DEFAULT_ACTION_TIMEOUT_MS,
          retryOnWorkerLoss: row.retry_on_worker_loss,
        }
      : undefined;
  }

  invalidate(ref: string): void {
    this.cache.invalidate(ref);
  }

  /** The action's defaults under the given parameters, checked against its schema. */
  prepareParameters(
    action: ActionInfo,
    parameters: Record<string, unknown> | undefined,
  ): { parameters: Record<string, unknown>; problems: string[] } {
    const merged = { ...(action.defaults ?? {}), ...(parameters ?? {}) };
    const problems = action.parametersSchema
      ? validateAgainst(action.parametersSchema, merged, 'parameters')
      : [];
    return { parameters: merged, problems };
  }
}
