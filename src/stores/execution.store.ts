import { pruneBatch, PruneBatch } from './prune-batch';
import { PruneStep, keptExecution } from './retention-rules';
import { Injectable } from '@nestjs/common';
import { ExecutionStatus, sourcesOf } from '../domain/execution-status';
import { columnsOf, EXECUTION_COLUMNS } from './execution-columns';
import {
  ExecutionTransitions,
  TransitionFields,
  TransitionGuard,
  TransitionOutcome,
} from './execution-transitions';
import { admitUnderPolicy, AdmissionOutcome, AdmissionRequest } from './execution-admission';
import { ExecutionTaskRuns } from './execution-task-runs';
import { ListFilter, listPage, ListQuery, NEWEST_FIRST } from './list-page';
import { poolSql, Sql } from './sql';
import { DatabaseService } from '../database/database.service';
import { ExecutionRow } from '../executions/execution-view';
import { MetricsService } from '../metrics/metrics.service';

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
 * How long a taker holds an execution it took from the waiting line: it schedules it within
 * milliseconds; if it died meanwhile, the execution is back in its place after this.
 */
const TAKE_LEASE_SQL = `now() + interval '30 seconds'`;

/** `status = ANY(<statuses the state machine lets into to>)`: the guard of every status write. */
const guarded = (to: ExecutionStatus, column = 'status') =>
  `${column} = ANY('{${sourcesOf(to).join(',')}}'::text[])`;

/** What was done with the executions of workers that stopped heartbeating. */
export interface RescuedExecutions {
  /** Not started: back to the waiting line. */
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
  /** Workflows' task runs (child executions). */
  readonly taskRuns: ExecutionTaskRuns;

  constructor(
    private readonly db: DatabaseService,
    metrics: MetricsService,
  ) {
    this.transitions = new ExecutionTransitions(
      db,
      (id) => this.get(id),
      (finished) => metrics.recordFinishedExecutions(finished),
    );
    this.taskRuns = new ExecutionTaskRuns(db);
  }

  /** Inserts `requested` executions: they join the waiting line (decision 014). */
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
        $${b + 7})`;
    });
    const sql = `INSERT INTO execution (id, action_ref, status, parameters, correlation_id,
        enforcement_id, rerun_of, created_by) VALUES ${tuples.join(', ')} RETURNING ${EXECUTION_COLUMNS}`;
    return this.db.query<ExecutionRow>(sql, values);
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
        order: NEWEST_FIRST,
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

  /** The executions an event created that are scheduled, not started (to re-send them). */
  scheduledOfEvent(eventId: string): Promise<ExecutionRow[]> {
    return this.db.query<ExecutionRow>(
      `SELECT ${EXECUTION_COLUMNS} FROM execution
        WHERE enforcement_id IN (SELECT id FROM enforcement WHERE event_id = $1)
          AND status = 'scheduled'`,
      [eventId],
    );
  }

  /**
   * Takes up to `limit` executions from the head of the waiting line (`requested`, and
   * `delayed` ones whose policy key has room again; oldest first), skipping those of actions whose runner is not in `runners` (no room for them) and
   * those in `skip` (given back in this pass). Each is taken by one taker (SKIP LOCKED) and held
   * for it by a lease.
   */
  async takeWaiting(
    limit: number,
    runners: string[],
    skip: string[] = [],
  ): Promise<ExecutionRow[]> {
    const rows = await this.db.query<ExecutionRow>(
      `WITH taken AS (
         SELECT e.id FROM execution e LEFT JOIN action a ON a.ref = e.action_ref
          WHERE e.status IN ('requested', 'delayed') AND e.dispatch_after <= now()
            AND (a.ref IS NULL OR a.runner = ANY($2::text[]))
            AND NOT e.id = ANY($3::uuid[])
            -- A delayed one only once its key has room again (decision 018).
            AND (e.status = 'requested'
                 OR (SELECT count(*) FROM execution x
                      WHERE x.action_ref = e.action_ref AND x.concurrency_key = e.concurrency_key
                        AND x.status IN ('scheduled', 'running'))
                    < COALESCE((a.policy -> 'concurrency' ->> 'limit')::int, 0))
          ORDER BY e.created_at, e.id LIMIT $1 FOR UPDATE OF e SKIP LOCKED
       )
       UPDATE execution e SET dispatch_after = ${TAKE_LEASE_SQL} FROM taken
        WHERE e.id = taken.id
       RETURNING ${columnsOf('e')}`,
      [limit, runners, skip],
    );
    return rows.sort(
      (a, b) => a.created_at.getTime() - b.created_at.getTime() || a.id.localeCompare(b.id),
    );
  }

  /** Gives a taken execution back to its place in the line (no worker could take it after all). */
  async giveBack(id: string): Promise<void> {
    await this.db.query(
      `UPDATE execution SET dispatch_after = now()
        WHERE id = $1 AND status IN ('requested', 'delayed')`,
      [id],
    );
  }

  /**
   * Schedules a taken execution of an action with a concurrency policy if its key has room, else
   * delays it (or says it is over the limit, for `on_limit: cancel`): see execution-admission.
   */
  admitUnderPolicy(
    request: AdmissionRequest,
    onLimit: 'delay' | 'cancel',
  ): Promise<AdmissionOutcome> {
    return admitUnderPolicy(this.db, request, onLimit);
  }

  /**
   * Executions not started yet (`requested` or `scheduled`), counted up to `atMost` of each: part
   * of the backlog. Ordered scans with a limit: the cost is bounded, and they step over (and mark)
   * the index entries of rows that moved on, which a plain count would visit every time until
   * the next vacuum.
   */
  async countNotStarted(atMost: number): Promise<number> {
    const [row] = await this.db.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM (SELECT 1 FROM execution WHERE status = 'requested'
                                      ORDER BY created_at LIMIT $1) r)::int
            + (SELECT count(*) FROM (SELECT 1 FROM execution WHERE status = 'scheduled'
                                      ORDER BY created_at LIMIT $1) s)::int AS n`,
      [atMost],
    );
    return row.n;
  }

  /**
   * Executions `scheduled` for longer than `lostAfterS` seconds, which no worker took: back to
   * `requested`, in their place in the waiting line (the state machine's guard applies).
   */
  returnLostOffers(lostAfterS: number): Promise<ExecutionRow[]> {
    // `scheduled` rows are few and oldest first in the index; an ordered scan stays cheap.
    return this.db.query<ExecutionRow>(
      `UPDATE execution SET status = 'requested', worker_id = NULL, scheduled_at = NULL,
              dispatch_after = now(), updated_at = now()
        WHERE id IN (SELECT id FROM execution
                      WHERE status = 'scheduled' AND scheduled_at < now() - make_interval(secs => $1)
                      ORDER BY created_at LIMIT 500)
          AND ${guarded('requested')}
        RETURNING ${EXECUTION_COLUMNS}`,
      [lostAfterS],
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
    guard: Required<Pick<TransitionGuard, 'attempt' | 'workerId'>>,
  ): Promise<TransitionOutcome> {
    return this.transitions.claimFinished(id, to, fields, guard);
  }

  /** One batch of a retention pass: finished executions older than the window (decision 019). */
  prune(sql: Sql, step: PruneStep): Promise<PruneBatch> {
    const spec = { table: 'execution', key: 'created_at', id: 'id', idType: 'uuid' as const };
    const keep = keptExecution('t', step.foreignKeys);
    return pruneBatch(sql, { ...spec, keep }, step.cutoff, step.after, step.batchSize, step.dryRun);
  }
}

export type { TransitionFields, TransitionGuard, TransitionOutcome };
