import { Injectable } from '@nestjs/common';
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

/** Actions change rarely and are read for every execution: keep them a moment. */
const CACHE_MS = 1000;

/** Looks actions up by ref (briefly cached) and prepares parameters against their schema. */
@Injectable()
export class ActionCatalog {
  private readonly cache = new Map<string, { at: number; action: ActionInfo | undefined }>();

  constructor(private readonly db: DatabaseService) {}

  async get(ref: string): Promise<ActionInfo | undefined> {
    const hit = this.cache.get(ref);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.action;
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
    const action = row
      ? {
          ref: row.ref,
          runner: row.runner,
          parametersSchema: row.parameters_schema,
          defaults: row.defaults,
          timeoutMs: row.timeout_ms ?? DEFAULT_ACTION_TIMEOUT_MS,
          retryOnWorkerLoss: row.retry_on_worker_loss,
        }
      : undefined;
    this.cache.set(ref, { at: Date.now(), action });
    return action;
  }

  invalidate(ref: string): void {
    this.cache.delete(ref);
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
