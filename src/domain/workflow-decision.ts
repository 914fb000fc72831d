// The conductor's decision, as a pure function of the definition and the task runs stored so
// far: which task runs should exist now that do not, and whether the workflow is finished. It
// is taken again on every completion (and by the sweeper); task runs are keyed by
// (workflow, task, item, attempt), so taking it twice inserts nothing the second time.
import { matchesCriteria } from './criteria';
import { ExecutionStatus, isTerminal } from './execution-status';
import { ExpressionContext, renderExpressions } from './expressions';
import {
  inboundOf,
  MAX_TASK_RUNS,
  startTasks,
  TransitionWhen,
  WorkflowDefinition,
} from './workflow-definition';

/** A child execution of the workflow, as the decision sees it. */
export interface TaskRun {
  task: string;
  /** Index in `with_items`, or null for a task without items. */
  item: number | null;
  attempt: number;
  status: ExecutionStatus;
  result: unknown;
  error: string | null;
}

export type TaskState = 'waiting' | 'running' | 'paused' | 'succeeded' | 'failed';

export interface TaskSummary {
  state: TaskState;
  result: unknown;
  error: string | null;
}

/** A task run to create. */
export interface PlannedRun {
  task: string;
  item: number | null;
  /** The item's value, for `{{ item }}`. */
  itemValue?: unknown;
  attempt: number;
  /** A retry waits this long before it may start. */
  delayMs: number;
}

export interface Decision {
  start: PlannedRun[];
  /** Set when nothing runs and nothing is left to start. */
  finish?: { status: 'succeeded' } | { status: 'failed'; error: string };
  /** A task waits on a person (core.ask): the workflow shows `paused`. */
  paused: boolean;
  tasks: Record<string, TaskSummary>;
  /** The template context: input and every task's status and result so far. */
  context: ExpressionContext;
}

const FAILED: ExecutionStatus[] = ['failed', 'timeout', 'canceled', 'abandoned'];

interface ItemProgress {
  latest?: TaskRun;
  /** Finished unsuccessfully with every retry used. */
  exhausted: boolean;
}

function latestAttempts(runs: TaskRun[]): Map<number | null, TaskRun> {
  const latest = new Map<number | null, TaskRun>();
  for (const run of runs) {
    const seen = latest.get(run.item);
    if (!seen || run.attempt > seen.attempt) latest.set(run.item, run);
  }
  return latest;
}

/**
 * Decides the next step of one workflow. `items` evaluates a task's `with_items` against the
 * context (JSONata, so it is async); a list in the definition is taken as it is.
 */
export async function decideNext(
  definition: WorkflowDefinition,
  input: Record<string, unknown>,
  runs: TaskRun[],
  /** The event, when a rule started the workflow. */
  event?: unknown,
): Promise<Decision> {
  const names = Object.keys(definition.tasks);
  const byTask = new Map<string, TaskRun[]>(names.map((n) => [n, []]));
  for (const run of runs) byTask.get(run.task)?.push(run);
  const inbound = inboundOf(definition);
  const starts = new Set(startTasks(definition));
  const context: ExpressionContext = { input, tasks: {}, ...(event ? { event } : {}) };
  const summaries: Record<string, TaskSummary> = {};
  const triggered = new Set<string>();
  const start: PlannedRun[] = [];
  const unhandled: string[] = [];
  const itemsOf = new Map<string, unknown[]>();

  const summarize = (name: string): TaskSummary => {
    const task = definition.tasks[name];
    const taskRuns = byTask.get(name)!;
    if (!triggered.has(name)) return { state: 'waiting', result: null, error: null };
    const latest = latestAttempts(taskRuns);
    const progress = (item: number | null): ItemProgress => {
      const run = latest.get(item);
      const exhausted =
        run !== undefined && FAILED.includes(run.status) && run.attempt > (task.retry?.count ?? 0);
      return { latest: run, exhausted };
    };
    if (task.with_items === undefined) {
      const { latest: run, exhausted } = progress(null);
      if (!run) return { state: 'running', result: null, error: null };
      if (run.status === 'succeeded')
        return { state: 'succeeded', result: run.result, error: null };
      if (exhausted) return { state: 'failed', result: run.result, error: run.error };
      return { state: run.status === 'paused' ? 'paused' : 'running', result: null, error: null };
    }
    const items = itemsOf.get(name) ?? [];
    const all = items.map((_, i) => progress(i));
    const failed = all.find((p) => p.exhausted);
    const active = all.some((p) => p.latest && !isTerminal(p.latest.status));
    const results = all.map((p) => (p.latest?.status === 'succeeded' ? p.latest.result : null));
    if (all.every((p) => p.latest?.status === 'succeeded')) {
      return { state: 'succeeded', result: results, error: null };
    }
    if (failed && !active) {
      return { state: 'failed', result: results, error: failed.latest?.error ?? 'an item failed' };
    }
    const paused = all.some((p) => p.latest?.status === 'paused');
    return { state: paused ? 'paused' : 'running', result: null, error: null };
  };

  const routesTo = (source: string, target: string): boolean => {
    const summary = summaries[source];
    if (summary.state !== 'succeeded' && summary.state !== 'failed') return false;
    return (definition.tasks[source].next ?? []).some(
      (t) => t.do.includes(target) && transitionTaken(t.when, summary),
    );
  };

  const isTriggered = (name: string): boolean => {
    if (starts.has(name)) return true;
    const sources = inbound.get(name) ?? [];
    if (definition.tasks[name].join !== 'all') return sources.some((s) => routesTo(s, name));
    // join: every inbound branch that was started has finished and leads here.
    const started = sources.filter((s) => triggered.has(s));
    const finished = started.every((s) => ['succeeded', 'failed'].includes(summaries[s].state));
    return started.length > 0 && finished && started.every((s) => routesTo(s, name));
  };

  // Triggering is monotonic (task runs only ever finish): grow the triggered set to a fixpoint.
  for (let changed = true; changed;) {
    changed = false;
    for (const name of names) summaries[name] = summarize(name);
    for (const name of names) {
      if (triggered.has(name) || !isTriggered(name)) continue;
      triggered.add(name);
      changed = true;
      const task = definition.tasks[name];
      if (task.with_items !== undefined) {
        itemsOf.set(name, await evaluateItems(task.with_items, context, name));
      }
    }
    for (const name of names) {
      summaries[name] = summarize(name);
      context.tasks[name] = { status: summaries[name].state, result: summaries[name].result };
    }
  }

  for (const name of names) {
    const summary = summaries[name];
    if (summary.state === 'failed') {
      const handled = (definition.tasks[name].next ?? []).some((t) =>
        transitionTaken(t.when, summary),
      );
      if (!handled) unhandled.push(name);
    }
  }

  const anyActive = runs.some((run) => !isTerminal(run.status));
  if (unhandled.length === 0) {
    for (const name of triggered) start.push(...runsToStart(name));
  }
  const paused = runs.some((run) => run.status === 'paused');

  const capped = runs.length + start.length > MAX_TASK_RUNS;
  if (capped) {
    return {
      start: [],
      finish: anyActive
        ? undefined
        : { status: 'failed', error: `the workflow exceeded ${MAX_TASK_RUNS} task runs` },
      paused,
      tasks: summaries,
      context,
    };
  }
  let finish: Decision['finish'];
  if (!anyActive && start.length === 0) {
    finish =
      unhandled.length > 0
        ? {
            status: 'failed',
            error: unhandled
              .map((name) => `task '${name}' failed: ${summaries[name].error ?? 'no error given'}`)
              .join('; '),
          }
        : { status: 'succeeded' };
  }
  return { start, finish, paused, tasks: summaries, context };

  function runsToStart(name: string): PlannedRun[] {
    const task = definition.tasks[name];
    const latest = latestAttempts(byTask.get(name)!);
    const retryCount = task.retry?.count ?? 0;
    const delayMs = task.retry?.delay_ms ?? 0;
    const next = (item: number | null, itemValue?: unknown): PlannedRun | undefined => {
      const run = latest.get(item);
      const base = item === null ? {} : { itemValue };
      if (!run) return { task: name, item, attempt: 1, delayMs: 0, ...base };
      if (FAILED.includes(run.status) && run.attempt <= retryCount) {
        return { task: name, item, attempt: run.attempt + 1, delayMs, ...base };
      }
      return undefined;
    };
    if (task.with_items === undefined) {
      const run = next(null);
      return run ? [run] : [];
    }
    const items = itemsOf.get(name) ?? [];
    const planned: PlannedRun[] = [];
    // Retries first (their items already count against the cap), then new items in order.
    let active = items.filter((_, i) => {
      const run = latest.get(i);
      return run !== undefined && !isTerminal(run.status);
    }).length;
    const cap = task.concurrency ?? items.length;
    const anyExhausted = items.some((_, i) => {
      const run = latest.get(i);
      return run !== undefined && FAILED.includes(run.status) && run.attempt > retryCount;
    });
    for (const [i, value] of items.entries()) {
      const run = latest.get(i);
      if (!run || !FAILED.includes(run.status) || active >= cap) continue;
      const retry = next(i, value);
      if (retry) {
        planned.push(retry);
        active++;
      }
    }
    if (anyExhausted) return planned; // an item failed for good: start no new ones
    for (const [i, value] of items.entries()) {
      if (active >= cap) break;
      if (latest.has(i)) continue;
      planned.push({ task: name, item: i, itemValue: value, attempt: 1, delayMs: 0 });
      active++;
    }
    return planned;
  }
}

/** Whether a transition is taken for a finished task. */
export function transitionTaken(when: TransitionWhen | undefined, summary: TaskSummary): boolean {
  if (summary.state !== 'succeeded' && summary.state !== 'failed') return false;
  if (when === undefined || when === 'succeeded') return summary.state === 'succeeded';
  if (when === 'failed') return summary.state === 'failed';
  if (when === 'completed') return true;
  return matchesCriteria(when, {
    status: summary.state,
    result: summary.result,
    error: summary.error,
  });
}

async function evaluateItems(
  withItems: string | unknown[],
  context: ExpressionContext,
  task: string,
): Promise<unknown[]> {
  if (Array.isArray(withItems)) return withItems;
  const value = await renderExpressions(withItems, context);
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    throw new WorkflowTaskError(task, `with_items gave ${typeof value}, not a list`);
  }
  return value;
}

/** A task whose templates cannot be evaluated: the workflow fails naming it. */
export class WorkflowTaskError extends Error {
  constructor(
    readonly task: string,
    reason: string,
  ) {
    super(`task '${task}': ${reason}`);
  }
}
