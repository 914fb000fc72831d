import {
  classifyTransition,
  ExecutionStatus,
  sourcesOf,
  TERMINAL_STATUSES,
} from '../domain/execution-status';
import { TickBatcher } from '../common/tick-batcher';
import { PURE_RUNNERS } from '../domain/core-pack';
import type { DatabaseService } from '../database/database.service';
import type { ExecutionRow } from '../executions/execution-view';
import { columnsOf, EXECUTION_COLUMNS } from './execution-columns';

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
  /** Only apply from this status (of those the state machine allows into the target). */
  from?: ExecutionStatus;
  /** Only apply to the offer made at this instant (scheduled_at, to the millisecond). */
  scheduledAt?: string;
}

export type TransitionOutcome =
  | { applied: true; row: ExecutionRow }
  | { applied: false; reason: 'noop' | 'illegal' | 'stale' | 'missing'; current?: ExecutionStatus };

/**
 * The channel on which freed worker slots are announced (`pg_notify`): `<worker id>:<count>`
 * pairs, comma separated.
 */
export const SLOTS_FREED_CHANNEL = 'attune_slots_freed';

/** Workers named in one announcement at most (a payload is limited to 8000 bytes). */
const MAX_WORKERS_ANNOUNCED = 100;

/**
 * Transitions of distinct executions, each to its own target (built once: it is long). An
 * execution that leaves `scheduled` or `running` frees a slot of its worker (unless it is pure,
 * and held none): the statement
 * announces those workers on SLOTS_FREED_CHANNEL, delivered when it commits, so executors know
 * at once (decision 014). One sent back to `requested` joins the waiting line again after a
 * backoff (1, 2, 4 … 30 s), so a send that keeps failing is not retried in a tight loop.
 */
const TRANSITION_SQL = `WITH u AS (
         SELECT * FROM unnest($2::uuid[], $3::text[], $4::text[], $5::jsonb[], $6::text[],
                              $7::uuid[], $8::int[], $9::uuid[], $10::bool[], $11::timestamptz[])
                AS u(id, target, sources, result, error, worker_id, attempt, guard_worker,
                     through_running, guard_scheduled_at)
       ), moved AS (
         UPDATE execution e SET status = u.target, updated_at = now(),
              scheduled_at = CASE u.target WHEN 'scheduled' THEN now()
                                           WHEN 'requested' THEN NULL ELSE e.scheduled_at END,
              started_at = CASE WHEN u.target = 'running' OR u.through_running
                                THEN COALESCE(e.started_at, now())
                                ELSE e.started_at END,
              finished_at = CASE WHEN u.target = ANY($1) THEN now() ELSE e.finished_at END,
              dispatch_after = CASE WHEN u.target = 'requested'
                                    THEN now() + make_interval(secs => LEAST(30, power(2, e.dispatch_attempts)))
                                    ELSE e.dispatch_after END,
              dispatch_attempts = e.dispatch_attempts
                                  + CASE WHEN u.target = 'requested' THEN 1 ELSE 0 END,
              -- Back in the line (its worker gave it back): forget the assignment.
              worker_id = CASE WHEN u.target = 'requested' THEN NULL
                               ELSE COALESCE(u.worker_id, e.worker_id) END,
              result = COALESCE(u.result, e.result), error = COALESCE(u.error, e.error)
           FROM u, execution old
          WHERE e.id = u.id AND old.id = u.id AND e.status = ANY(string_to_array(u.sources, ','))
            AND (u.attempt IS NULL OR e.attempt = u.attempt)
            AND (u.guard_worker IS NULL OR e.worker_id = u.guard_worker)
            -- Messages carry it to the millisecond; offers to one worker are far further apart.
            AND (u.guard_scheduled_at IS NULL
                 OR abs(extract(epoch FROM e.scheduled_at - u.guard_scheduled_at)) < 0.001)
          RETURNING ${columnsOf('e')}, old.status AS previous_status,
                    old.worker_id AS previous_worker_id, u.through_running
       ), freed AS (
         SELECT pg_notify('${SLOTS_FREED_CHANNEL}', string_agg(worker || ':' || n, ','))
           FROM (SELECT previous_worker_id::text AS worker, count(*) AS n FROM moved
                  WHERE previous_status IN ('scheduled', 'running')
                    AND previous_worker_id IS NOT NULL AND status NOT IN ('scheduled', 'running')
                    -- Pure executions held no slot (claimed and finished in one go, or not).
                    AND NOT through_running
                    AND action_ref NOT IN (SELECT ref FROM action
                                           WHERE runner = ANY('{${PURE_RUNNERS.join(',')}}'))
                  GROUP BY 1 LIMIT ${MAX_WORKERS_ANNOUNCED}) w
         HAVING count(*) > 0
       )
       -- Naming f.n keeps the planner from dropping the announcement as unused.
       SELECT ${EXECUTION_COLUMNS} FROM moved, (SELECT count(*) AS n FROM freed) f WHERE f.n >= 0`;

/**
 * Status changes of the execution table (ExecutionStore's engine): every transition asked for
 * in a turn, whatever its target, shares one conditional UPDATE guarded by the state machine.
 */
export class ExecutionTransitions {
  constructor(
    private readonly db: DatabaseService,
    private readonly get: (id: string) => Promise<ExecutionRow | undefined>,
    /** Told of rows this process just moved to a final status (once each: one UPDATE did it). */
    private readonly onFinished: (rows: ExecutionRow[]) => void = () => undefined,
  ) {}

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
    guard: Required<Pick<TransitionGuard, 'attempt' | 'workerId'>>,
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
      (guard.workerId !== undefined && current.worker_id !== guard.workerId) ||
      (guard.from !== undefined && current.status !== guard.from && current.status !== to) ||
      !sameOffer(current.scheduled_at, guard.scheduledAt);
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
      requests.map((r) => (r.throughRunning ? 'scheduled' : sourcesFor(r.to, r.guard).join(','))),
      requests.map((r) => (r.fields.result === undefined ? null : JSON.stringify(r.fields.result))),
      requests.map((r) => r.fields.error ?? null),
      requests.map((r) => r.fields.workerId ?? null),
      requests.map((r) => r.guard.attempt ?? null),
      requests.map((r) => r.guard.workerId ?? null),
      requests.map((r) => r.throughRunning),
      requests.map((r) => r.guard.scheduledAt ?? null),
    ]);
    this.onFinished(rows.filter((row) => TERMINAL_STATUSES.includes(row.status)));
    return new Map(rows.map((row) => [row.id, row]));
  }
}

/** The statuses a transition may start from: the state machine's, narrowed by the guard. */
function sourcesFor(to: ExecutionStatus, guard: TransitionGuard): ExecutionStatus[] {
  const sources = sourcesOf(to);
  return guard.from === undefined ? sources : sources.filter((status) => status === guard.from);
}

interface TransitionRequest {
  id: string;
  to: ExecutionStatus;
  /** Claimed and finished at once (see claimFinished). */
  throughRunning: boolean;
  fields: TransitionFields;
  guard: TransitionGuard;
}

/** Whether a row scheduled at `scheduledAt` is the offer a message names (none named: any). */
export function sameOffer(
  scheduledAt: Date | string | null | undefined,
  named: string | undefined,
): boolean {
  if (named === undefined) return true;
  if (!scheduledAt) return false;
  return Math.abs(new Date(scheduledAt).getTime() - Date.parse(named)) < 1;
}
