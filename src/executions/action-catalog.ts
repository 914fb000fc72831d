import { Injectable } from '@nestjs/common';
import { DEFINITION_FRESHNESS, RefreshingCache } from '../common/refreshing-cache';
import { DEFAULT_ACTION_TIMEOUT_MS } from '../domain/core-pack';
import { ActionStore } from '../stores/action.store';
import { isSealed, SecretCipher, SecretsDisabledError } from '../secrets/secret-cipher';
import { SEALED_PARAMETER_CONTEXT } from '../secrets/secret-resolver.service';
import { secretNamesIn } from '../domain/templating';
import { validateAgainst } from './json-schema';
import { concurrencyOf, ConcurrencyPolicy } from '../domain/concurrency-policy';
import type { WorkflowDefinition } from '../domain/workflow-definition';

export interface ActionInfo {
  ref: string;
  runner: string;
  parametersSchema: object | null;
  defaults: Record<string, unknown> | null;
  timeoutMs: number;
  retryOnWorkerLoss: boolean;
  /** At most this many scheduled or running (per key): decision 018. */
  concurrency?: ConcurrencyPolicy;
  /** Top-level parameters its schema marks `"secret": true`: stored sealed, shown as ***. */
  secretParameters: string[];
  /** The definition of a `workflow` action (checked when it was written). */
  workflow: WorkflowDefinition | null;
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

  constructor(
    private readonly actions: ActionStore,
    private readonly cipher: SecretCipher,
  ) {}

  get(ref: string): Promise<ActionInfo | undefined> {
    return this.cache.get(ref);
  }

  private async load(ref: string): Promise<ActionInfo | undefined> {
    const row = await this.actions.catalogEntry(ref);
    return row
      ? {
          ref: row.ref,
          runner: row.runner,
          parametersSchema: row.parameters_schema,
          defaults: row.defaults,
          timeoutMs: row.timeout_ms ?? DEFAULT_ACTION_TIMEOUT_MS,
          retryOnWorkerLoss: row.retry_on_worker_loss,
          concurrency: concurrencyOf(row.policy),
          secretParameters: secretParametersOf(row.parameters_schema),
          workflow: (row.workflow as WorkflowDefinition | null) ?? null,
        }
      : undefined;
  }

  invalidate(ref: string): void {
    this.cache.invalidate(ref);
  }

  /**
   * The action's defaults under the given parameters, checked against its schema, with secret
   * parameters sealed (a `{{ secret.<name> }}` reference stays as it is: it holds no value).
   * Throws SecretsDisabledError when a secret parameter has a value and there is no key.
   */
  prepareParameters(
    action: ActionInfo,
    parameters: Record<string, unknown> | undefined,
  ): { parameters: Record<string, unknown>; problems: string[] } {
    const merged = { ...(action.defaults ?? {}), ...(parameters ?? {}) };
    const problems = action.parametersSchema
      ? validateAgainst(action.parametersSchema, merged, 'parameters')
      : [];
    if (problems.length > 0) return { parameters: merged, problems };
    for (const name of action.secretParameters) {
      const value = merged[name];
      if (value === undefined || isSealed(value) || isReference(value)) continue;
      if (!this.cipher.enabled) throw new SecretsDisabledError(`secret parameter '${name}'`);
      merged[name] = this.cipher.seal(
        typeof value === 'string' ? value : JSON.stringify(value),
        SEALED_PARAMETER_CONTEXT,
      );
    }
    return { parameters: merged, problems };
  }
}

/** Top-level properties of a parameters schema marked `"secret": true`. */
function secretParametersOf(schema: object | null): string[] {
  const properties = (schema as { properties?: Record<string, { secret?: unknown }> } | null)
    ?.properties;
  if (!properties || typeof properties !== 'object') return [];
  return Object.entries(properties)
    .filter(([, property]) => property?.secret === true)
    .map(([name]) => name);
}

/** Exactly one `{{ secret.<name> }}` reference: the worker fills it in, nothing to seal. */
function isReference(value: unknown): boolean {
  return (
    typeof value === 'string' &&
    /^\{\{[^{}]*\}\}$/.test(value.trim()) &&
    secretNamesIn(value).length === 1
  );
}
