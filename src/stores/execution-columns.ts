/**
 * A new execution is published to the scheduler at once; only if it is still `requested` this
 * long after does the sweeper send it again (a crash between commit and publish).
 */
const FIRST_REDISPATCH_AFTER_S = 30;
export const FIRST_REDISPATCH_SQL = `now() + interval '${FIRST_REDISPATCH_AFTER_S} seconds'`;

/** The one column list of the execution table as code reads it (ExecutionRow). */
export const EXECUTION_COLUMNS = `id, action_ref, status, parameters, result, error, worker_id, enforcement_id,
  rerun_of, correlation_id, attempt, created_by, created_at, scheduled_at, started_at, finished_at`;

/** The columns prefixed with a table alias, for statements that join. */
export const columnsOf = (alias: string) =>
  EXECUTION_COLUMNS.split(',')
    .map((column) => `${alias}.${column.trim()}`)
    .join(', ');
