import type { paths } from '../../src/client/attune-api';
import { describeError } from '../../src/client/attune-client';
import { AttuneProcess } from './attune-process';
import { waitFor } from './wait-for';

/** Small helpers over the typed client that the end-to-end suites share. */

type Creatable =
  | '/api/v1/triggers'
  | '/api/v1/actions'
  | '/api/v1/rules'
  | '/api/v1/sensors'
  | '/api/v1/executions';

export type CreateBody<P extends Creatable> =
  paths[P]['post']['requestBody']['content']['application/json'];

/** POST that must answer 201; the created resource. */
export async function createOk<P extends Creatable>(
  app: AttuneProcess,
  path: P,
  body: CreateBody<P>,
): Promise<any> {
  // One call site for five paths: the client's overloads need the path's own literal type.
  const post = app.api.POST as (
    path: P,
    init: { body: CreateBody<P> },
  ) => Promise<{
    data?: unknown;
    error?: unknown;
    response: Response;
  }>;
  const { data, error, response } = await post(path, { body });
  if (response.status !== 201) {
    throw new Error(`POST ${path} answered ${describeError(response.status, error)}`);
  }
  return data;
}

/** A trigger and one enabled rule on it (the rule's parameters may template the event). */
export async function createTriggerWithRule(
  app: AttuneProcess,
  trigger: string,
  rule: { ref: string; action: string; parameters?: Record<string, unknown> },
): Promise<void> {
  await createOk(app, '/api/v1/triggers', { ref: trigger });
  await createOk(app, '/api/v1/rules', { ...rule, trigger });
}

export async function webhook(
  app: AttuneProcess,
  trigger: string,
  payload: Record<string, unknown>,
): Promise<string> {
  const { data, error, response } = await app.api.POST('/api/v1/webhooks/{triggerRef}', {
    params: { path: { triggerRef: trigger } },
    body: payload,
  });
  if (!data) {
    throw new Error(`webhook ${trigger} answered ${describeError(response.status, error)}`);
  }
  return data.event_id;
}

export const TERMINAL = ['succeeded', 'failed', 'timeout', 'canceled', 'abandoned'];

/** Waits until the execution reaches one of `statuses` and returns it. */
export async function executionReaches(
  app: AttuneProcess,
  id: string,
  statuses: string[],
  timeoutMs = 30_000,
): Promise<any> {
  return waitFor(
    async () => {
      const { data } = await app.api.GET('/api/v1/executions/{id}', {
        params: { path: { id } },
      });
      return data && statuses.includes(data.status) ? data : undefined;
    },
    { timeoutMs, description: `execution ${id} to become ${statuses.join(' or ')}` },
  );
}
