// Execution state machine. Every status write goes through this table so that a late or duplicate
// status message can never move an execution backwards or out of a terminal state.

export const EXECUTION_STATUSES = [
  'requested',
  'delayed',
  'scheduled',
  'running',
  'paused',
  'succeeded',
  'failed',
  'timeout',
  'canceled',
  'abandoned',
] as const;

export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

export type TransitionOutcome = 'apply' | 'noop' | 'illegal';

export const TERMINAL_STATUSES: readonly ExecutionStatus[] = Object.freeze([
  'succeeded',
  'failed',
  'timeout',
  'canceled',
  'abandoned',
] as const);

// from -> statuses it may move to. Kept as data (not a switch) so sourcesOf can invert it.
const TRANSITIONS: Readonly<Record<ExecutionStatus, readonly ExecutionStatus[]>> = Object.freeze({
  requested: [
    'scheduled',
    'delayed', // its action's concurrency policy is at its limit: it waits for a slot of its key
    'running', // a workflow: its conductor runs it in the executor, on no worker
    'canceled',
    'failed',
  ],
  delayed: ['scheduled', 'canceled', 'failed'],
  scheduled: [
    'running',
    'requested', // rescheduled after its worker was lost before starting it
    'failed', // not taken from the worker queue within EXECUTION_QUEUE_TTL_MS
    'canceled',
    'abandoned',
  ],
  running: [
    'succeeded',
    'failed',
    'timeout',
    'canceled',
    'paused',
    'abandoned',
    'requested', // retried after its worker was lost, when the action allows it
  ],
  paused: ['running', 'succeeded', 'failed', 'timeout', 'canceled', 'abandoned'],
  succeeded: [],
  failed: [],
  timeout: [],
  canceled: [],
  abandoned: [],
});

// Inverse table, computed once: the `WHERE status IN (...)` guard for a conditional update.
const SOURCES: Readonly<Record<ExecutionStatus, readonly ExecutionStatus[]>> = Object.freeze(
  Object.fromEntries(
    EXECUTION_STATUSES.map((to) => [
      to,
      Object.freeze(EXECUTION_STATUSES.filter((from) => TRANSITIONS[from].includes(to))),
    ]),
  ) as Record<ExecutionStatus, readonly ExecutionStatus[]>,
);

export function isTerminal(status: ExecutionStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export function canTransition(from: ExecutionStatus, to: ExecutionStatus): boolean {
  return from !== to && (TRANSITIONS[from]?.includes(to) ?? false);
}

// 'noop' lets handlers treat a redelivered status message as already applied rather than an error.
export function classifyTransition(from: ExecutionStatus, to: ExecutionStatus): TransitionOutcome {
  if (from === to) return 'noop';
  return canTransition(from, to) ? 'apply' : 'illegal';
}

// Statuses from which `to` may be entered. A copy, so callers cannot corrupt the shared table.
export function sourcesOf(to: ExecutionStatus): ExecutionStatus[] {
  return [...(SOURCES[to] ?? [])];
}

export class IllegalTransitionError extends Error {
  constructor(
    readonly from: ExecutionStatus,
    readonly to: ExecutionStatus,
    readonly executionId?: string,
  ) {
    super(
      `illegal execution status transition ${from} -> ${to}` +
        (executionId ? ` for execution ${executionId}` : ''),
    );
    this.name = 'IllegalTransitionError';
  }
}
