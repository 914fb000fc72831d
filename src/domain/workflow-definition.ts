// A workflow definition (an action with runner "workflow") and its checks at create time. Each
// problem names the task and what is wrong, for the API to answer 400 with.
import { Criteria, validateCriteria } from './criteria';
import { isWholePlaceholder, templateProblems } from './expressions';

export type TransitionWhen = 'succeeded' | 'failed' | 'completed' | Criteria;

export interface WorkflowTransition {
  /** Absent: `succeeded` (a failure is never passed over silently). */
  when?: TransitionWhen;
  do: string[];
}

export interface WorkflowTask {
  action: string;
  input?: Record<string, unknown>;
  next?: WorkflowTransition[];
  join?: 'all';
  with_items?: string | unknown[];
  concurrency?: number;
  retry?: { count: number; delay_ms?: number };
  timeout_ms?: number;
}

export interface WorkflowDefinition {
  tasks: Record<string, WorkflowTask>;
  output?: unknown;
}

/** Workflows nested in workflows, counting the outermost one. */
export const MAX_WORKFLOW_DEPTH = 5;
/** Task runs (every attempt of every item) one workflow execution may create. */
export const MAX_TASK_RUNS = 1000;
const TASK_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,99}$/;
const WHEN_WORDS = ['succeeded', 'failed', 'completed'];

/** What validation needs to know of an action a task names. */
export interface ActionLookup {
  runner: string;
  workflow: WorkflowDefinition | null;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Tasks no transition points to: where a run begins. */
export function startTasks(definition: WorkflowDefinition): string[] {
  const targets = new Set(
    Object.values(definition.tasks).flatMap((task) => (task.next ?? []).flatMap((t) => t.do)),
  );
  return Object.keys(definition.tasks).filter((name) => !targets.has(name));
}

/** For each task, the tasks whose transitions point to it. */
export function inboundOf(definition: WorkflowDefinition): Map<string, string[]> {
  const inbound = new Map<string, string[]>(Object.keys(definition.tasks).map((n) => [n, []]));
  for (const [name, task] of Object.entries(definition.tasks)) {
    for (const target of new Set((task.next ?? []).flatMap((t) => t.do))) {
      inbound.get(target)?.push(name);
    }
  }
  return inbound;
}

/** Shape problems (types and names); the rest of the checks assume a well-formed shape. */
function shapeProblems(value: unknown): string[] {
  if (!isRecord(value)) return ['workflow must be an object with "tasks"'];
  if (!isRecord(value.tasks) || Object.keys(value.tasks).length === 0) {
    return ['workflow.tasks must be an object with at least one task'];
  }
  const problems: string[] = [];
  for (const [name, task] of Object.entries(value.tasks)) {
    const at = `task '${name}'`;
    if (!TASK_NAME.test(name)) problems.push(`${at}: a task name is letters, digits, _ and -`);
    if (!isRecord(task)) {
      problems.push(`${at}: must be an object with "action"`);
      continue;
    }
    if (typeof task.action !== 'string' || task.action === '') {
      problems.push(`${at}: "action" must name an action`);
    }
    if (task.input !== undefined && !isRecord(task.input)) {
      problems.push(`${at}: "input" must be an object`);
    }
    if (task.join !== undefined && task.join !== 'all') {
      problems.push(`${at}: "join" can only be "all"`);
    }
    if (task.with_items !== undefined) {
      const ok =
        Array.isArray(task.with_items) ||
        (typeof task.with_items === 'string' && isWholePlaceholder(task.with_items.trim()));
      if (!ok) {
        problems.push(
          `${at}: "with_items" must be a list or one template such as "{{ input.hosts }}"`,
        );
      }
    }
    if (
      task.concurrency !== undefined &&
      (!Number.isInteger(task.concurrency) || (task.concurrency as number) < 1)
    ) {
      problems.push(`${at}: "concurrency" must be a whole number of at least 1`);
    }
    if (task.concurrency !== undefined && task.with_items === undefined) {
      problems.push(`${at}: "concurrency" only applies with "with_items"`);
    }
    if (task.retry !== undefined) {
      const retry = task.retry as Record<string, unknown>;
      const ok =
        isRecord(task.retry) &&
        Number.isInteger(retry.count) &&
        (retry.count as number) >= 0 &&
        (retry.count as number) <= 100 &&
        (retry.delay_ms === undefined ||
          (Number.isInteger(retry.delay_ms) && (retry.delay_ms as number) >= 0));
      if (!ok) {
        problems.push(`${at}: "retry" must be { "count": 0..100, "delay_ms"?: whole number }`);
      }
    }
    if (
      task.timeout_ms !== undefined &&
      (!Number.isInteger(task.timeout_ms) || (task.timeout_ms as number) < 1)
    ) {
      problems.push(`${at}: "timeout_ms" must be a whole number of at least 1`);
    }
    if (task.next !== undefined && !Array.isArray(task.next)) {
      problems.push(`${at}: "next" must be a list of { "when"?, "do": [tasks] }`);
      continue;
    }
    for (const [i, transition] of ((task.next as unknown[]) ?? []).entries()) {
      const where = `${at}: next[${i}]`;
      if (!isRecord(transition) || !Array.isArray(transition.do)) {
        problems.push(`${where} must be { "when"?, "do": [tasks] }`);
        continue;
      }
      if (!transition.do.every((d) => typeof d === 'string')) {
        problems.push(`${where}.do must list task names`);
      }
      const when = transition.when;
      if (when === undefined || (typeof when === 'string' && WHEN_WORDS.includes(when))) continue;
      if (!isRecord(when)) {
        problems.push(`${where}.when must be succeeded, failed, completed or a criteria object`);
      } else {
        for (const p of validateCriteria(when)) problems.push(`${where}.when: ${p}`);
      }
    }
  }
  return problems;
}

/** Groups of tasks that reach each other (Tarjan): the loops of the graph. */
function loops(definition: WorkflowDefinition): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let counter = 0;
  const targets = (name: string) =>
    (definition.tasks[name]?.next ?? []).flatMap((t) => t.do).filter((d) => d in definition.tasks);
  const visit = (name: string) => {
    index.set(name, counter);
    low.set(name, counter++);
    stack.push(name);
    onStack.add(name);
    for (const next of targets(name)) {
      if (!index.has(next)) {
        visit(next);
        low.set(name, Math.min(low.get(name)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(name, Math.min(low.get(name)!, index.get(next)!));
      }
    }
    if (low.get(name) === index.get(name)) {
      const group: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        group.push(member);
      } while (member !== name);
      if (group.length > 1 || targets(name).includes(name)) found.push(group.reverse());
    }
  };
  for (const name of Object.keys(definition.tasks)) if (!index.has(name)) visit(name);
  return found;
}

/** The depth of nested workflows under `definition` (1: no nesting); Infinity for a loop. */
function nestingDepth(
  definition: WorkflowDefinition,
  actions: ReadonlyMap<string, ActionLookup>,
  seen: string[] = [],
): number {
  let deepest = 0;
  for (const task of Object.values(definition.tasks)) {
    const nested = actions.get(task.action)?.workflow;
    if (!nested) continue;
    if (seen.includes(task.action)) return Infinity;
    deepest = Math.max(deepest, nestingDepth(nested, actions, [...seen, task.action]));
  }
  return 1 + deepest;
}

/**
 * Problems with a workflow definition, each naming its task; [] when it can run. `actions` knows
 * every action the definition (and the workflows it nests) names; `ownRef` is the action being
 * written, so a workflow that runs itself is seen as the loop it is.
 */
export function validateWorkflow(
  value: unknown,
  actions: ReadonlyMap<string, ActionLookup>,
  ownRef?: string,
): string[] {
  const shape = shapeProblems(value);
  if (shape.length > 0) return shape;
  const definition = value as WorkflowDefinition;
  const problems: string[] = [];
  const names = Object.keys(definition.tasks);
  for (const [name, task] of Object.entries(definition.tasks)) {
    const at = `task '${name}'`;
    if (!actions.has(task.action) && task.action !== ownRef) {
      problems.push(`${at}: unknown action '${task.action}'`);
    }
    for (const [i, transition] of (task.next ?? []).entries()) {
      for (const target of transition.do) {
        if (!names.includes(target)) {
          problems.push(`${at}: next[${i}].do names unknown task '${target}'`);
        }
      }
    }
    problems.push(...templateProblems(task.input ?? {}, `${at}: input`));
    if (typeof task.with_items === 'string') {
      problems.push(...templateProblems(task.with_items, `${at}: with_items`));
    }
  }
  problems.push(...templateProblems(definition.output ?? {}, 'output'));
  if (problems.length > 0) return problems;

  const starts = startTasks(definition);
  if (starts.length === 0) {
    return [`task '${names[0]}': every task is the target of a transition, so none can start`];
  }
  const reached = new Set<string>(starts);
  const frontier = [...starts];
  while (frontier.length > 0) {
    const name = frontier.pop()!;
    for (const target of (definition.tasks[name].next ?? []).flatMap((t) => t.do)) {
      if (!reached.has(target)) {
        reached.add(target);
        frontier.push(target);
      }
    }
  }
  for (const name of names.filter((n) => !reached.has(n))) {
    problems.push(`task '${name}': unreachable from the start tasks (${starts.join(', ')})`);
  }
  for (const loop of loops(definition)) {
    // A loop must hold at least one conditional transition (a `when` that can be false), or it
    // would run until the task-run cap stops it.
    const conditional = loop.some((name) =>
      (definition.tasks[name].next ?? []).some(
        (t) => t.do.some((d) => loop.includes(d)) && t.when !== undefined && t.when !== 'completed',
      ),
    );
    const path = [...loop, loop[0]].join(' -> ');
    if (!conditional) {
      problems.push(`task '${loop[0]}': loop ${path} has no "when" to leave it`);
    } else {
      // Task runs are keyed by task, item and attempt: a task runs once per workflow run, so a
      // loop back to it would quietly not repeat. Refused until iterations are part of the key.
      problems.push(
        `task '${loop[0]}': loop ${path}: a task runs once per workflow run; ` +
          'repeat one with retry, or over a list with with_items',
      );
    }
  }
  const lookups = new Map(actions);
  if (ownRef) lookups.set(ownRef, { runner: 'workflow', workflow: definition });
  const depth = nestingDepth(definition, lookups, ownRef ? [ownRef] : []);
  if (depth > MAX_WORKFLOW_DEPTH) {
    const nestedTask = Object.entries(definition.tasks).find(
      ([, task]) => lookups.get(task.action)?.workflow,
    )?.[0];
    problems.push(
      `task '${nestedTask}': workflows nest ${Number.isFinite(depth) ? depth : 'endlessly'} deep; ` +
        `the limit is ${MAX_WORKFLOW_DEPTH}`,
    );
  }
  return problems;
}

/** Every action a definition names (to look them up before validating it). */
export function actionsNamedIn(value: unknown): string[] {
  if (!isRecord(value) || !isRecord(value.tasks)) return [];
  return [
    ...new Set(
      Object.values(value.tasks)
        .map((task) => (isRecord(task) ? task.action : undefined))
        .filter((a): a is string => typeof a === 'string'),
    ),
  ];
}
