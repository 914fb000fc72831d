import { Injectable } from '@nestjs/common';
import { ExecutionStatus, sourcesOf } from '../domain/execution-status';
import { columnsOf, EXECUTION_COLUMNS, FIRST_REDISPATCH_SQL } from './execution-columns';
import {
  ExecutionTransitions,
  TransitionFields,
  TransitionGuard,
  TransitionOutcome,
} from './execution-transitions';
import { ListFilter, listPage, ListQuery } from './list-page';
import { poolSql, Sql } from './sql';
import { DatabaseService } from '../database/database.service';
import { ExecutionRow } from '../executions/execution-view';

export interface NewExecution {
  id: string;
  actionRef: string;
  parameters: Record<string, unknown>;
  correlationId: string;
  enforcementId?: string | null;
  rerunOf?: string | null;
  /** Who asked for it: `key:<name>`, `rule:<ref>` … */
  createdBy: string;
  /** Stored `scheduled` on this worker at once (the executor picked it while creating it). */
  workerId?: string;
}

/**
 * When an execution that found no worker (or was never picked up) is offered again:
 * 1, 2, 4 … 30 s after its previous try. Shared by the scheduler's deferral and the sweeper.
 */
const NEXT_DISPATCH_SQL = `now() + make_interval(secs => LEAST(30, power(2, dispatch_attempts)))`;

/** `status = ANY(<statuses the state machine lets into to>)`: the guard of every status write. */
const guarded = (to: ExecutionStatus, column = 'status') =>
  `${column} = ANY('{${sourcesOf(to).join(',')}}'::text[])`;

/** What was done with the executions of workers that stopped heartbeating. */
export interface RescuedExecutions {
  /** Not started: back to the scheduler. */
  rescheduled: ExecutionRow[];
  /** Started, and their action may run again: a new attempt. */
  retried: ExecutionRow[];
  /** Started, not to run twice: ended. */
  abandoned: ExecutionRow[];
}

/** Executions in PostgreSQL: every status change is one conditional UPDATE … RETURNING. */
@Injectable()
export class ExecutionStore {
  private readonly transitions: ExecutionTransitions;

  constructor(private readonly db: DatabaseService) {
    this.transitions = new ExecutionTransitions(db, (id) => this.get(id));
  }

  /** Inserts `requested` executions. */
  async insertRequested(executions: NewExecution[]): Promise<ExecutionRow[]> {
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
        e.createdBy,
      );
      const b = i * 7;
      return `($${b + 1}, $${b + 2}, 'requested', $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6},
        $${b + 7}, ${FIRST_REDISPATCH_SQL})`;
    });
    const sql = `INSERT INTO execution (id, action_ref, status, parameters, correlation_id,
        enforcement_id, rerun_of, created_by, dispatch_after) VALUES ${tuples.join(', ')} RETURNING ${EXECUTION_COLUMNS}`;
    return this.db.query<ExecutionRow>(sql, values);
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

  page(query: ListQuery, filters: ListFilter[]) {
    return listPage<ExecutionRow>(
      poolSql(this.db),
      {
        from: 'execution',
        columns: EXECUTION_COLUMNS,
        filters,
        orderBy: 'created_at DESC, id DESC',
      },
      query,
    );
  }

  /** The action an execution runs (for a notification about it). */
  async actionRefOf(id: string): Promise<string | undefined> {
    const [row] = await this.db.query<{ action_ref: string }>(
      'SELECT action_ref FROM execution WHERE id = $1',
      [id],
    );
    return row?.action_ref;
  }

  /** The executions an event created that have not started (to re-send after a redelivery). */
  unstartedOfEvent(eventId: string): Promise<ExecutionRow[]> {
    return this.db.query<ExecutionRow>(
      `SELECT ${EXECUTION_COLUMNS} FROM execution
        WHERE enforcement_id IN (SELECT id FROM enforcement WHERE event_id = $1)
          AND status IN ('requested', 'scheduled')`,
      [eventId],
    );
  }

  /**
   * No worker could take it: the sweeper offers it again later, with backoff. Answers how often
   * that has happened, or undefined when it is no longer `requested`.
   */
  async deferDispatch(id: string): Promise<number | undefined> {
    const [row] = await this.db.query<{ dispatch_attempts: number }>(
      `UPDATE execution SET dispatch_after = ${NEXT_DISPATCH_SQL},
              dispatch_attempts = dispatch_attempts + 1
        WHERE id = $1 AND status = 'requested'
        RETURNING dispatch_attempts`,
      [id],
    );
    return row?.dispatch_attempts;
  }

  /**
   * Up to `limit` `requested` executions due to be offered again, each pushed back by the
   * backoff as it is taken; SKIP LOCKED keeps two sweepers from taking the same one.
   */
  takeDue(
    limit: number,
  ): Promise<Array<Pick<ExecutionRow, 'id' | 'action_ref' | 'attempt' | 'correlation_id'>>> {
    return this.db.query(
      `UPDATE execution SET dispatch_after = ${NEXT_DISPATCH_SQL},
                dispatch_attempts = dispatch_attempts + 1
          WHERE id IN (SELECT id FROM execution
                        WHERE status = 'requested' AND dispatch_after <= now()
                        ORDER BY dispatch_after LIMIT $1 FOR UPDATE SKIP LOCKED)
          RETURNING id, action_ref, attempt, correlation_id`,
      [limit],
    );
  }

  /** A worker arrived: everything waiting for one is due now. */
  async makeWaitingDueNow(): Promise<void> {
    await this.db.query(
      `UPDATE execution SET dispatch_after = now()
        WHERE status = 'requested' AND dispatch_attempts > 0 AND dispatch_after > now()`,
    );
  }

  /**
   * Rescues what workers marked inactive left behind (in the reaper's transaction), through
   * the state machine like every status write: not started → `requested`; started → a new
   * attempt where the action allows it, else `abandoned`.
   */
  async rescueFromInactiveWorkers(sql: Sql): Promise<RescuedExecutions> {
    const onInactive = `worker_id IN (SELECT id FROM worker WHERE status = 'inactive')`;
    const rescheduled = await sql.rows<ExecutionRow>(
      `UPDATE execution SET status = 'requested', worker_id = NULL, scheduled_at = NULL,
                dispatch_after = now(), updated_at = now()
          WHERE status = 'scheduled' AND ${guarded('requested')} AND ${onInactive}
          RETURNING ${EXECUTION_COLUMNS}`,
    );
    const retried = await sql.rows<ExecutionRow>(
      `UPDATE execution e SET status = 'requested', worker_id = NULL, scheduled_at = NULL,
                started_at = NULL, attempt = e.attempt + 1, dispatch_after = now(),
                updated_at = now()
           FROM action a
          WHERE a.ref = e.action_ref AND a.retry_on_worker_loss
            AND e.status = 'running' AND ${guarded('requested', 'e.status')} AND e.${onInactive}
          RETURNING ${columnsOf('e')}`,
    );
    const abandoned = await sql.rows<ExecutionRow>(
      `UPDATE execution SET status = 'abandoned', finished_at = now(), updated_at = now(),
                error = 'its worker stopped heartbeating while it ran'
          WHERE status = 'running' AND ${guarded('abandoned')} AND ${onInactive}
          RETURNING ${EXECUTION_COLUMNS}`,
    );
    return { rescheduled, retried, abandoned };
  }

  /** Executions holding sealed parameters, in id order after `afterId` (rotating the key). */
  withSealedParameters(
    afterId: string,
    limit: number,
  ): Promise<Array<{ id: string; parameters: Record<string, unknown> }>> {
    return this.db.query(
      `SELECT id, parameters FROM execution
        WHERE id > $1 AND parameters::text LIKE '%atn-sealed:v1:%' ORDER BY id LIMIT $2`,
      [afterId, limit],
    );
  }

  async replaceParameters(id: string, parameters: Record<string, unknown>): Promise<void> {
    await this.db.query('UPDATE execution SET parameters = $2 WHERE id = $1', [
      id,
      JSON.stringify(parameters),
    ]);
  }

  /**
   * Moves an execution to `to` only from a status the state machine allows, in one statement,
   * so two processes racing cannot both win. Applying the same transition twice is a no-op.
   * Transitions asked for in the same turn share that statement.
   */
  transition(
    id: string,
    to: ExecutionStatus,
    fields: TransitionFields = {},
    guard: TransitionGuard = {},
  ): Promise<TransitionOutcome> {
    return this.transitions.transition(id, to, fields, guard);
  }

  /**
   * A worker's claim of a `scheduled` execution and its outcome in one statement: it passes
   * through `running` (started_at is set) to `to`. Only for actions without side effects that
   * were run before the claim (see Runner.pure); refused like the claim would be.
   */
  claimFinished(
    id: string,
    to: 'succeeded' | 'failed',
    fields: TransitionFields,
    guard: Required<Omit<TransitionGuard, 'from'>>,
  ): Promise<TransitionOutcome> {
    return this.transitions.claimFinished(id, to, fields, guard);
  }
}

export type { TransitionFields, TransitionGuard, TransitionOutcome };
