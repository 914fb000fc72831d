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
  /** Who asked for it: `key:<name>`, `rule:<ref>` … */
  createdBy: string;
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
  rerun_of, correlation_id, attempt, created_by, created_at, scheduled_at, started_at, finished_at`;

/** Transitions of distinct executions, each to its own target (built once: it is long). */
const TRANSITION_SQL = `UPDATE execution e SET status = u.target, updated_at = now(),
              scheduled_at = CASE u.target WHEN 'scheduled' THEN now()
                                           WHEN 'requested' THEN NULL ELSE e.scheduled_at END,
              started_at = CASE WHEN u.target = 'running' OR u.through_running
                                THEN COALESCE(e.started_at, now())
                                ELSE e.started_at END,
              finished_at = CASE WHEN u.target = ANY($1) THEN now() ELSE e.finished_at END,
              -- Back to the scheduler (its worker was lost): forget the assignment.
              dispatch_after = CASE WHEN u.target = 'requested' THEN now() ELSE e.dispatch_after END,
              worker_id = CASE WHEN u.target = 'requested' THEN NULL
                               ELSE COALESCE(u.worker_id, e.worker_id) END,
              result = COALESCE(u.result, e.result), error = COALESCE(u.error, e.error)
         FROM unnest($2::uuid[], $3::text[], $4::text[], $5::jsonb[], $6::text[], $7::uuid[],
                     $8::int[], $9::uuid[], $10::bool[])
              AS u(id, target, sources, result, error, worker_id, attempt, guard_worker,
                   through_running)
        WHERE e.id = u.id AND e.status = ANY(string_to_array(u.sources, ','))
          AND (u.attempt IS NULL OR e.attempt = u.attempt)
          AND (u.guard_worker IS NULL OR e.worker_id = u.guard_worker)
        RETURNING ${EXECUTION_COLUMNS.split(',')
          .map((c) => `e.${c.trim()}`)
          .join(', ')}`;

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
        e.createdBy,
      );
      const b = i * 7;
      return `($${b + 1}, $${b + 2}, 'requested', $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6},
        $${b + 7}, ${FIRST_REDISPATCH_SQL})`;
    });
    const sql = `INSERT INTO execution (id, action_ref, status, parameters, correlation_id,
        enforcement_id, rerun_of, created_by, dispatch_after) VALUES ${tuples.join(', ')} RETURNING ${EXECUTION_COLUMNS}`;
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
    const row = await this.transitions.add({ id, to, fields, guard, throughRunning: false });
    return row ? { applied: true, row } : this.refusal(id, to, guard);
  }

  /**
   * A worker's claim of a `scheduled` execution and its outcome in one statement: it passes
   * through `running` (started_at is set) to `to`. Only for actions without side effects that
   * were run before the claim (see Runner.pure); refused like the claim would be.
   */
  async claimFinished(
    id: string,
    to: 'succeeded' | 'failed',
    fields: TransitionFields,
    guard: Required<TransitionGuard>,
  ): Promise<TransitionOutcome> {
    const row = await this.transitions.add({ id, to, fields, guard, throughRunning: true });
    return row ? { applied: true, row } : this.refusal(id, 'running', guard);
  }

  /** Why a transition was not applied (the unusual path, so the extra read is fine). */
  private async refusal(
    id: string,
    to: ExecutionStatus,
    guard: TransitionGuard,
  ): Promise<TransitionOutcome> {
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

  /**
   * Every transition asked for in a turn, whatever its target, shares one statement: a worker's
   * claims and the manager's completions often arrive together, and each statement costs a
   * round trip and a PostgreSQL wake-up.
   */
  private readonly transitions = new TickBatcher<TransitionRequest, ExecutionRow | undefined>(
    (requests) => this.applyBatch(requests),
  );

  /** Applies the batch; an execution asked for twice goes again in a following statement. */
  private async applyBatch(
    requests: TransitionRequest[],
  ): Promise<Array<ExecutionRow | undefined>> {
    const results = new Array<ExecutionRow | undefined>(requests.length);
    let waiting = requests.map((request, index) => ({ request, index }));
    while (waiting.length > 0) {
      // The first request for each execution goes now, a repeat in the next round.
      const round = new Map<string, { request: TransitionRequest; index: number }>();
      const later: typeof waiting = [];
      for (const entry of waiting) {
        if (round.has(entry.request.id)) later.push(entry);
        else round.set(entry.request.id, entry);
      }
      const byId = await this.applyRound([...round.values()].map(({ request }) => request));
      for (const [id, { index }] of round) results[index] = byId.get(id);
      waiting = later;
    }
    return results;
  }

  /** One UPDATE for transitions of distinct executions, each to its own target status. */
  private async applyRound(requests: TransitionRequest[]): Promise<Map<string, ExecutionRow>> {
    const rows = await this.db.query<ExecutionRow>(TRANSITION_SQL, [
      TERMINAL_STATUSES,
      requests.map((r) => r.id),
      requests.map((r) => r.to),
      // Through `running`: from where a claim starts (scheduled), not from running itself.
      requests.map((r) => (r.throughRunning ? 'scheduled' : sourcesOf(r.to).join(','))),
      requests.map((r) => (r.fields.result === undefined ? null : JSON.stringify(r.fields.result))),
      requests.map((r) => r.fields.error ?? null),
      requests.map((r) => r.fields.workerId ?? null),
      requests.map((r) => r.guard.attempt ?? null),
      requests.map((r) => r.guard.workerId ?? null),
      requests.map((r) => r.throughRunning),
    ]);
    return new Map(rows.map((row) => [row.id, row]));
  }
}

interface TransitionRequest {
  id: string;
  to: ExecutionStatus;
  /** Claimed and finished at once (see claimFinished). */
  throughRunning: boolean;
  fields: TransitionFields;
  guard: TransitionGuard;
}
