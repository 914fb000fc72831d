/** The built-in `core` pack: registered idempotently at start so every deployment has it. */

/** The built-in pack is seeded at start-up and would be overwritten there: keep it read-only. */
const CORE_PACK = 'core.';

export function isCoreRef(ref: string): boolean {
  return ref.startsWith(CORE_PACK);
}

export const RUNNERS = ['shell', 'http', 'echo', 'noop', 'sleep', 'ask', 'workflow'] as const;

/** Workflows run in the executor (their conductor), never on a worker. */
export const WORKFLOW_RUNNER = 'workflow' satisfies RunnerName;
export type RunnerName = (typeof RUNNERS)[number];

/**
 * Runners without side effects or waiting (see Runner.pure): the worker runs them and records
 * the outcome in its claim, so they hold no worker slot and never wait for one (decision 014).
 */
export const PURE_RUNNERS: readonly string[] = ['echo', 'noop'] satisfies RunnerName[];

export const isPureRunner = (runner: string): boolean => PURE_RUNNERS.includes(runner);

export interface TriggerDefinition {
  ref: string;
  description: string;
  payloadSchema: object | null;
}

export interface ActionDefinition {
  ref: string;
  description: string;
  runner: RunnerName;
  parametersSchema: object;
  defaults: Record<string, unknown> | null;
  timeoutMs: number | null;
  retryOnWorkerLoss: boolean;
}

/** Used when an action names no timeout of its own. */
export const DEFAULT_ACTION_TIMEOUT_MS = 3_600_000;

const stringMap = { type: 'object', additionalProperties: { type: 'string' } };

export const CORE_TRIGGERS: TriggerDefinition[] = [
  {
    ref: 'core.webhook',
    description: 'Any JSON posted to /api/v1/webhooks/core.webhook',
    payloadSchema: null,
  },
  {
    ref: 'core.timer',
    description: 'Fired by timer sensors (interval or cron)',
    payloadSchema: {
      type: 'object',
      properties: { sensor: { type: 'string' }, fired_at: { type: 'string' } },
    },
  },
  {
    ref: 'core.inquiry',
    description: 'An inquiry (core.ask) was answered; payload holds the answer',
    payloadSchema: {
      type: 'object',
      properties: {
        inquiry_id: { type: 'string' },
        execution_id: { type: 'string' },
        response: {},
      },
    },
  },
];

export const CORE_ACTIONS: ActionDefinition[] = [
  {
    ref: 'core.echo',
    description: 'Succeeds with its parameters as its result',
    runner: 'echo',
    parametersSchema: { type: 'object' },
    defaults: null,
    timeoutMs: null,
    retryOnWorkerLoss: true,
  },
  {
    ref: 'core.noop',
    description: 'Does nothing and succeeds with {}',
    runner: 'noop',
    parametersSchema: { type: 'object' },
    defaults: null,
    timeoutMs: null,
    retryOnWorkerLoss: true,
  },
  {
    ref: 'core.sleep',
    description: 'Sleeps for `seconds`, then succeeds with { slept }',
    runner: 'sleep',
    parametersSchema: {
      type: 'object',
      properties: { seconds: { type: 'number', minimum: 0 } },
      required: ['seconds'],
      additionalProperties: false,
    },
    defaults: null,
    timeoutMs: null,
    retryOnWorkerLoss: true,
  },
  {
    ref: 'core.shell',
    description: 'Runs `cmd` with /bin/sh; fails when the exit code is not 0',
    runner: 'shell',
    parametersSchema: {
      type: 'object',
      properties: {
        cmd: { type: 'string', minLength: 1 },
        args: { type: 'array', items: { type: 'string' } },
        env: stringMap,
        cwd: { type: 'string' },
      },
      required: ['cmd'],
      additionalProperties: false,
    },
    defaults: null,
    timeoutMs: null,
    retryOnWorkerLoss: false,
  },
  {
    ref: 'core.http',
    description: 'Sends an HTTP request; succeeds with { status, headers, body }',
    runner: 'http',
    parametersSchema: {
      type: 'object',
      properties: {
        url: { type: 'string', pattern: '^https?://' },
        method: { enum: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] },
        headers: stringMap,
        body: {},
      },
      required: ['url'],
      additionalProperties: false,
    },
    defaults: { method: 'GET' },
    timeoutMs: 30_000,
    retryOnWorkerLoss: false,
  },
  {
    ref: 'core.ask',
    description: 'Opens an inquiry and waits for a person to answer it',
    runner: 'ask',
    parametersSchema: {
      type: 'object',
      properties: {
        prompt: { type: 'string', minLength: 1 },
        schema: { type: 'object' },
        timeout_ms: { type: 'integer', minimum: 1 },
      },
      required: ['prompt'],
      additionalProperties: false,
    },
    defaults: null,
    timeoutMs: null,
    retryOnWorkerLoss: false,
  },
];
