import type { ExecutionStatus } from '../domain/execution-status';
import { iso } from '../common/iso';

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
  created_at: Date;
  scheduled_at: Date | null;
  started_at: Date | null;
  finished_at: Date | null;
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
  created_at: string;
  scheduled_at: string | null;
  started_at: string | null;
  finished_at: string | null;
}

export function toExecutionView(row: ExecutionRow): ExecutionView {
  return {
    id: row.id,
    action: row.action_ref,
    status: row.status,
    parameters: row.parameters,
    result: row.result ?? null,
    error: row.error,
    worker_id: row.worker_id,
    enforcement_id: row.enforcement_id,
    rerun_of: row.rerun_of,
    correlation_id: row.correlation_id,
    attempt: row.attempt,
    created_at: iso(row.created_at)!,
    scheduled_at: iso(row.scheduled_at),
    started_at: iso(row.started_at),
    finished_at: iso(row.finished_at),
  };
}
