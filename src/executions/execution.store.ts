import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  classifyTransition,
  ExecutionStatus,
  sourcesOf,
  TERMINAL_STATUSES,
} from '../domain/execution-status';
import { DatabaseService } from '../database/database.service';
import { ExecutionRow } from './execution-view';

export interface NewExecution {
  id: string;
  actionRef: string;
  parameters: Record<string, unknown>;
  correlationId: string;
  enforcementId?: string | null;
  rerunOf?: string | null;
}

export interface TransitionFields {
  result?: unknown;
  error?: string | null;
  workerId?: string;
}

export interface TransitionGuard {
  /** Only apply to this attempt: a message about an earlier attempt must not move a retry. */
  attempt?: number;
  /** Only apply while assigned to this worker (a reaped worker must not start moved work). */
  workerId?: string;
}

export type TransitionOutcome =
  | { applied: true; row: ExecutionRow }
  | { applied: false; reason: 'noop' | 'illegal' | 'stale' | 'missing'; current?: ExecutionStatus };

/**
 * A new execution is published to the scheduler at once; only if it is still `requested` this
 * long after does the sweeper send it again (a crash between commit and publish).
 */
const FIRST_REDISPATCH_AFTER_S = 30;
export const FIRST_REDISPATCH_SQL = `now() + interval '${FIRST_REDISPATCH_AFTER_S} seconds'`;

export const EXECUTION_COLUMNS = `id, action_ref, status, parameters, result, error, worker_id, enforcement_id,
  rerun_of, correlation_id, attempt, created_at, scheduled_at, started_at, finished_at`;

/** Executions in PostgreSQL: every status change is one conditional UPDATE … RETURNING. */
@Injectable()
export class ExecutionStore {
  constructor(private readonly db: DatabaseService) {}

  /** Inserts `requested` executions (in the caller's transaction when given one). */
  async insertRequested(
    executions: NewExecution[],
    manager?: EntityManager,
  ): Promise<ExecutionRow[]> {
    if (executions.length === 0) return [];
    const values: unknown[] = [];
    const tuples = executions.map((e, i) => {
      values.push(
        e.id,
        e.actionRef,
        JSON.stringify(e.parameters),
        e.correlationId,
        e.enforcementId ?? null,
        e.rerunOf ?? null,
      );
      const b = i * 6;
      return `($${b + 1}, $${b + 2}, 'requested', $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6},
        ${FIRST_REDISPATCH_SQL})`;
    });
    const sql = `INSERT INTO execution (id, action_ref, status, parameters, correlation_id,
        enforcement_id, rerun_of, dispatch_after) VALUES ${tuples.join(', ')} RETURNING ${EXECUTION_COLUMNS}`;
    return (manager ?? this.db.dataSource.manager).query(sql, values);
  }

  /** Lets the requested-sweeper offer it on its next pass instead of after the usual grace. */
  async makeDueNow(id: string): Promise<void> {
    await this.db.query(
      `UPDATE execution SET dispatch_after = now() WHERE id = $1 AND status = 'requested'`,
      [id],
    );
  }

  async get(id: string): Promise<ExecutionRow | undefined> {
    const [row] = await this.db.query<ExecutionRow>(
      `SELECT ${EXECUTION_COLUMNS} FROM execution WHERE id = $1`,
      [id],
    );
    return row;
  }

  /**
   * Moves an execution to `to` only from a status the state machine allows, in one statement,
   * so two processes racing cannot both win. Applying the same transition twice is a no-op.
   */
  async transition(
    id: string,
    to: ExecutionStatus,
    fields: TransitionFields = {},
    guard: TransitionGuard = {},
  ): Promise<TransitionOutcome> {
    const params: unknown[] = [id, to, sourcesOf(to)];
    const sets = ['status = $2', 'updated_at = now()'];
    const set = (column: string, value: unknown) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (to === 'scheduled') sets.push('scheduled_at = now()');
    if (to === 'running') sets.push('started_at = COALESCE(started_at, now())');
    if (TERMINAL_STATUSES.includes(to)) sets.push('finished_at = now()');
    if (to === 'requested') {
      // Back to the scheduler (its worker was lost): forget the assignment.
      sets.push('worker_id = NULL', 'scheduled_at = NULL', 'dispatch_after = now()');
    }
    if (fields.result !== undefined) set('result', JSON.stringify(fields.result));
    if (fields.error !== undefined) set('error', fields.error);
    if (fields.workerId !== undefined) set('worker_id', fields.workerId);
    const where = ['id = $1', 'status = ANY($3)'];
    if (guard.attempt !== undefined) {
      params.push(guard.attempt);
      where.push(`attempt = $${params.length}`);
    }
    if (guard.workerId !== undefined) {
      params.push(guard.workerId);
      where.push(`worker_id = $${params.length}`);
    }
    const rows = await this.db.query<ExecutionRow>(
      `UPDATE execution SET ${sets.join(', ')} WHERE ${where.join(' AND ')} RETURNING ${EXECUTION_COLUMNS}`,
      params,
    );
    if (rows.length > 0) return { applied: true, row: rows[0] };

    // Not applied: find out why (the unusual path, so the extra read is fine).
    const current = await this.get(id);
    if (!current) return { applied: false, reason: 'missing' };
    const stale =
      (guard.attempt !== undefined && current.attempt !== guard.attempt) ||
      (guard.workerId !== undefined && current.worker_id !== guard.workerId);
    if (stale) return { applied: false, reason: 'stale', current: current.status };
    const outcome = classifyTransition(current.status, to);
    return {
      applied: false,
      reason: outcome === 'noop' ? 'noop' : 'illegal',
      current: current.status,
    };
  }
}
