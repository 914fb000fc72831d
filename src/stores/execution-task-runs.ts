import { TERMINAL_STATUSES } from '../domain/execution-status';
import type { DatabaseService } from '../database/database.service';
import type { ExecutionRow } from '../executions/execution-view';
import { EXECUTION_COLUMNS } from './execution-columns';
import { poolSql, Sql } from './sql';

/** A task run to insert: a child execution of a workflow. */
export interface NewTaskRun {
  id: string;
  parentId: string;
  task: string;
  item: number | null;
  attempt: number;
  actionRef: string;
  parameters: Record<string, unknown>;
  correlationId: string;
  createdBy: string;
  timeoutMs: number | null;
  /** It may not start before this many ms from now (a retry's delay). */
  delayMs: number;
}

const TERMINAL = `'{${TERMINAL_STATUSES.join(',')}}'::text[]`;

/**
 * The workflow side of the execution table (ExecutionStore's): task runs are child executions
 * keyed by (workflow, task, item, attempt) (`execution_task_run_key`), so inserting a decision
 * twice inserts nothing the second time.
 */
export class ExecutionTaskRuns {
  private readonly pool: Sql;

  constructor(db: DatabaseService) {
    this.pool = poolSql(db);
  }

  /** The workflow execution, locked in the caller's transaction: one conductor at a time. */
  async lockWorkflow(sql: Sql, id: string): Promise<ExecutionRow | undefined> {
    const [row] = await sql.rows<ExecutionRow>(
      `SELECT ${EXECUTION_COLUMNS} FROM execution WHERE id = $1 FOR UPDATE`,
      [id],
    );
    return row;
  }

  /** Every task run of a workflow (all attempts, all items), oldest first. */
  of(parentId: string, sql: Sql = this.pool): Promise<ExecutionRow[]> {
    return sql.rows<ExecutionRow>(
      `SELECT ${EXECUTION_COLUMNS} FROM execution WHERE parent_id = $1
        ORDER BY created_at, task, task_item, task_attempt`,
      [parentId],
    );
  }

  /** Inserts the runs not inserted before (`requested`, in the waiting line); returns those. */
  async insert(sql: Sql, runs: NewTaskRun[]): Promise<ExecutionRow[]> {
    if (runs.length === 0) return [];
    return sql.rows<ExecutionRow>(
      `INSERT INTO execution (id, parent_id, task, task_item, task_attempt, action_ref, status,
              parameters, correlation_id, created_by, timeout_ms, dispatch_after)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[], $5::int[], $6::text[],
                            $7::text[], $8::jsonb[], $9::uuid[], $10::text[], $11::int[],
                            $12::timestamptz[])
       ON CONFLICT (parent_id, task, (COALESCE(task_item, -1)), task_attempt)
          WHERE parent_id IS NOT NULL DO NOTHING
       RETURNING ${EXECUTION_COLUMNS}`,
      [
        runs.map((r) => r.id),
        runs.map((r) => r.parentId),
        runs.map((r) => r.task),
        runs.map((r) => r.item),
        runs.map((r) => r.attempt),
        runs.map((r) => r.actionRef),
        runs.map(() => 'requested'),
        runs.map((r) => JSON.stringify(r.parameters)),
        runs.map((r) => r.correlationId),
        runs.map((r) => r.createdBy),
        runs.map((r) => r.timeoutMs),
        runs.map((r) => new Date(Date.now() + r.delayMs).toISOString()),
      ],
    );
  }

  /** Children of a workflow that have not finished (to cancel them). */
  unfinishedChildren(parentId: string): Promise<ExecutionRow[]> {
    return this.pool.rows<ExecutionRow>(
      `SELECT ${EXECUTION_COLUMNS} FROM execution
        WHERE parent_id = $1 AND NOT status = ANY(${TERMINAL})`,
      [parentId],
    );
  }

  /** How many workflows enclose this execution (0 for a top-level one). */
  async ancestorCount(id: string): Promise<number> {
    const [row] = await this.pool.rows<{ n: number }>(
      `WITH RECURSIVE up(id, parent_id, n) AS (
         SELECT id, parent_id, 0 FROM execution WHERE id = $1
         UNION ALL
         SELECT e.id, e.parent_id, up.n + 1 FROM execution e JOIN up ON e.id = up.parent_id
          WHERE up.n < 100)
       SELECT max(n)::int AS n FROM up`,
      [id],
    );
    return row?.n ?? 0;
  }

  /**
   * Workflow executions that should have moved on and may not have been told: not started for a
   * second, or unfinished with no unfinished task run (a completion lost with an executor).
   */
  stalled(limit: number): Promise<Array<{ id: string }>> {
    return this.pool.rows<{ id: string }>(
      `SELECT e.id FROM execution e JOIN action a ON a.ref = e.action_ref
        WHERE a.runner = 'workflow' AND e.status IN ('requested', 'running', 'paused')
          AND e.updated_at < now() - interval '1 second'
          AND NOT EXISTS (SELECT 1 FROM execution c
                           WHERE c.parent_id = e.id AND NOT c.status = ANY(${TERMINAL}))
        ORDER BY e.updated_at LIMIT $1`,
      [limit],
    );
  }
}
