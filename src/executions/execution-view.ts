import type { ExecutionStatus } from '../domain/execution-status';
import { iso } from '../common/iso';
import { isSealed } from '../secrets/secret-cipher';
import { MASK } from '../secrets/secret-masker';

/** An execution row as PostgreSQL returns it (snake_case, raw SQL). */
export interface ExecutionRow {
  id: string;
  action_ref: string;
  status: ExecutionStatus;
  parameters: Record<string, unknown>;
  result: unknown;
  error: string | null;
  worker_id: string | null;
  enforcement_id: string | null;
  rerun_of: string | null;
  correlation_id: string;
  attempt: number;
  /** Times it went back to the waiting line (paces and bounds re-offers). */
  dispatch_attempts: number;
  /** `key:<name>`, `rule:<ref>`, `sensor:<ref>` or `workflow:<id>`; null for older rows. */
  created_by: string | null;
  created_at: Date;
  scheduled_at: Date | null;
  started_at: Date | null;
  finished_at: Date | null;
  /** The workflow execution this one is a task run of. */
  parent_id: string | null;
  task: string | null;
  /** Index in the task's with_items, or null. */
  task_item: number | null;
  task_attempt: number | null;
  /** The task's own timeout, over the action's. */
  timeout_ms: number | null;
}

/** The execution as the API and notifications show it. */
export interface ExecutionView {
  id: string;
  action: string;
  status: ExecutionStatus;
  parameters: Record<string, unknown>;
  result: unknown;
  error: string | null;
  worker_id: string | null;
  enforcement_id: string | null;
  rerun_of: string | null;
  correlation_id: string;
  attempt: number;
  created_by: string | null;
  created_at: string;
  scheduled_at: string | null;
  started_at: string | null;
  finished_at: string | null;
  parent_id: string | null;
  task: string | null;
  task_item: number | null;
  task_attempt: number | null;
}

export function toExecutionView(row: ExecutionRow): ExecutionView {
  return {
    id: row.id,
    action: row.action_ref,
    status: row.status,
    parameters: maskSealed(row.parameters),
    result: row.result ?? null,
    error: row.error,
    worker_id: row.worker_id,
    enforcement_id: row.enforcement_id,
    rerun_of: row.rerun_of,
    correlation_id: row.correlation_id,
    attempt: row.attempt,
    created_by: row.created_by,
    created_at: iso(row.created_at)!,
    scheduled_at: iso(row.scheduled_at),
    started_at: iso(row.started_at),
    finished_at: iso(row.finished_at),
    parent_id: row.parent_id,
    task: row.task,
    task_item: row.task_item,
    task_attempt: row.task_attempt,
  };
}

/** Secret parameters are stored sealed and shown as ***. */
function maskSealed(parameters: Record<string, unknown>): Record<string, unknown> {
  if (!Object.values(parameters).some(isSealed)) return parameters;
  return Object.fromEntries(
    Object.entries(parameters).map(([key, value]) => [key, isSealed(value) ? MASK : value]),
  );
}
