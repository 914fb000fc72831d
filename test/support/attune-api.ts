import { AttuneProcess } from './attune-process';
import { waitFor } from './wait-for';

/** Small helpers over the HTTP API that the end-to-end suites share. */
export async function createOk(app: AttuneProcess, path: string, body: unknown): Promise<any> {
  const response = await app.request('POST', path, body);
  if (response.status !== 201) {
    throw new Error(`POST ${path} answered ${response.status}: ${JSON.stringify(response.body)}`);
  }
  return response.body;
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
  payload: unknown,
): Promise<string> {
  const response = await app.request('POST', `/api/v1/webhooks/${trigger}`, payload);
  if (response.status !== 202) {
    throw new Error(
      `webhook ${trigger} answered ${response.status}: ${JSON.stringify(response.body)}`,
    );
  }
  return response.body.event_id as string;
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
      const { body } = await app.request('GET', `/api/v1/executions/${id}`);
      return statuses.includes(body.status) ? body : undefined;
    },
    { timeoutMs, description: `execution ${id} to become ${statuses.join(' or ')}` },
  );
}
