import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  classifyTransition,
  ExecutionStatus,
  sourcesOf,
  TERMINAL_STATUSES,
} from '../domain/execution-status';
import { TickBatcher } from '../common/tick-batcher';
import { DatabaseService } from '../database/database.service';
import { ExecutionRow } from './execution-view';

export interface NewExecution {
  id: string;
  actionRef: string;
  parameters: Record<string, unknown>;
  correlationId: string;
  enforcementId?: string | null;
  rerunOf?: string | null;
  /** Stored `scheduled` on this worker at once (the executor picked it while creating it). */
  workerId?: string;
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
   * Transitions to the same status made in the same turn share that statement.
   */
  async transition(
    id: string,
    to: ExecutionStatus,
    fields: TransitionFields = {},
    guard: TransitionGuard = {},
  ): Promise<TransitionOutcome> {
    let batcher = this.batchers.get(to);
    if (!batcher) {
      batcher = new TickBatcher((requests) => this.applyBatch(to, requests));
      this.batchers.set(to, batcher);
    }
    const row = await batcher.add({ id, fields, guard });
    if (row) return { applied: true, row };

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

  private readonly batchers = new Map<
    ExecutionStatus,
    TickBatcher<TransitionRequest, ExecutionRow | undefined>
  >();

  /** One UPDATE for every transition to `to` asked for in this turn; undefined where refused. */
  private async applyBatch(
    to: ExecutionStatus,
    requests: TransitionRequest[],
  ): Promise<Array<ExecutionRow | undefined>> {
    const sets = ['status = $1', 'updated_at = now()'];
    if (to === 'scheduled') sets.push('scheduled_at = now()');
    if (to === 'running') sets.push('started_at = COALESCE(e.started_at, now())');
    if (TERMINAL_STATUSES.includes(to)) sets.push('finished_at = now()');
    if (to === 'requested') {
      // Back to the scheduler (its worker was lost): forget the assignment.
      sets.push('worker_id = NULL', 'scheduled_at = NULL', 'dispatch_after = now()');
    } else {
      sets.push('worker_id = COALESCE(u.worker_id, e.worker_id)');
    }
    sets.push('result = COALESCE(u.result, e.result)', 'error = COALESCE(u.error, e.error)');
    const rows = await this.db.query<ExecutionRow>(
      `UPDATE execution e SET ${sets.join(', ')}
         FROM unnest($3::uuid[], $4::jsonb[], $5::text[], $6::uuid[], $7::int[], $8::uuid[])
              AS u(id, result, error, worker_id, attempt, guard_worker)
        WHERE e.id = u.id AND e.status = ANY($2)
          AND (u.attempt IS NULL OR e.attempt = u.attempt)
          AND (u.guard_worker IS NULL OR e.worker_id = u.guard_worker)
        RETURNING ${EXECUTION_COLUMNS.split(',')
          .map((c) => `e.${c.trim()}`)
          .join(', ')}`,
      [
        to,
        sourcesOf(to),
        requests.map((r) => r.id),
        requests.map((r) =>
          r.fields.result === undefined ? null : JSON.stringify(r.fields.result),
        ),
        requests.map((r) => r.fields.error ?? null),
        requests.map((r) => r.fields.workerId ?? null),
        requests.map((r) => r.guard.attempt ?? null),
        requests.map((r) => r.guard.workerId ?? null),
      ],
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    // The same execution twice in one batch: only the first request gets the row.
    return requests.map((r) => {
      const row = byId.get(r.id);
      byId.delete(r.id);
      return row;
    });
  }
}

interface TransitionRequest {
  id: string;
  fields: TransitionFields;
  guard: TransitionGuard;
}
