/** The one column list of the execution table as code reads it (ExecutionRow). */
export const EXECUTION_COLUMNS = `id, action_ref, status, parameters, result, error, worker_id, enforcement_id,
  rerun_of, correlation_id, attempt, dispatch_attempts, created_by, created_at, scheduled_at, started_at, finished_at,
  parent_id, task, task_item, task_attempt, timeout_ms`;

/** The columns prefixed with a table alias, for statements that join. */
export const columnsOf = (alias: string) =>
  EXECUTION_COLUMNS.split(',')
    .map((column) => `${alias}.${column.trim()}`)
    .join(', ');
