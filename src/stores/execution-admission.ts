import { sourcesOf } from '../domain/execution-status';
import { ADVISORY_LOCKS } from '../database/advisory-locks';
import type { DatabaseService } from '../database/database.service';
import type { ExecutionRow } from '../executions/execution-view';
import { columnsOf, EXECUTION_COLUMNS } from './execution-columns';
import { inTransaction } from './sql';

export interface AdmissionRequest {
  id: string;
  attempt: number;
  actionRef: string;
  /** The policy's key rendered over the parameters ('' for one count per action). */
  key: string;
  limit: number;
  /** The worker picked for it, should it be admitted. */
  workerId: string;
}

export type AdmissionOutcome =
  /** Under the limit: `scheduled` on the worker. */
  | { kind: 'scheduled'; row: ExecutionRow }
  /** Waits `delayed` (row: it just became delayed; none: it already was). */
  | { kind: 'delayed'; row?: ExecutionRow }
  /** The limit is reached (for `on_limit: cancel`; nothing was written). */
  | { kind: 'over-limit' }
  /** No longer waiting (canceled meanwhile, or another taker placed it). */
  | { kind: 'gone' };

const WAITING = `status IN ('requested', 'delayed')`;

/**
 * The concurrency policy's decision for one execution taken from the waiting line (decision
 * 018), in one short transaction under an advisory lock of its action and key, so executor
 * replicas deciding for the same key take turns: at most `limit` scheduled or running, and none
 * admitted while an older one of the same action (not yet keyed) or key still waits.
 */
export async function admitUnderPolicy(
  db: DatabaseService,
  request: AdmissionRequest,
  onLimit: 'delay' | 'cancel',
): Promise<AdmissionOutcome> {
  return inTransaction(db, async (sql) => {
    await sql.rows(`SELECT pg_advisory_xact_lock($1, hashtext($2 || E'\\n' || $3))`, [
      ADVISORY_LOCKS.concurrencyPolicy,
      request.actionRef,
      request.key,
    ]);
    const [state] = await sql.rows<{ active: number; older_waiting: boolean; waiting: boolean }>(
      `SELECT (SELECT count(*)::int FROM execution
                WHERE action_ref = $1 AND concurrency_key = $2
                  AND status IN ('scheduled', 'running')) AS active,
              EXISTS (SELECT 1 FROM execution o
                       WHERE o.action_ref = $1 AND o.${WAITING} AND o.id <> me.id
                         AND (o.status = 'requested' OR o.concurrency_key = $2)
                         AND (o.created_at, o.id) < (me.created_at, me.id)) AS older_waiting,
              me.${WAITING} AND me.attempt = $4 AS waiting
         FROM execution me WHERE me.id = $3`,
      [request.actionRef, request.key, request.id, request.attempt],
    );
    if (!state?.waiting) return { kind: 'gone' };
    if (state.active < request.limit && !state.older_waiting) {
      const [row] = await sql.rows<ExecutionRow>(
        `UPDATE execution SET status = 'scheduled', scheduled_at = now(), worker_id = $2,
                concurrency_key = $3, updated_at = now()
          WHERE id = $1 AND status = ANY($4::text[])
          RETURNING ${EXECUTION_COLUMNS}`,
        [request.id, request.workerId, request.key, sourcesOf('scheduled')],
      );
      return row ? { kind: 'scheduled', row } : { kind: 'gone' };
    }
    if (onLimit === 'cancel' && state.active >= request.limit) return { kind: 'over-limit' };
    // Back in its place (the take's lease released); counted under its key from now on.
    const [row] = await sql.rows<ExecutionRow & { was: string }>(
      `UPDATE execution e SET status = 'delayed', concurrency_key = $2, dispatch_after = now(),
              updated_at = now()
         FROM execution old
        WHERE e.id = $1 AND old.id = e.id AND e.${WAITING}
        RETURNING ${columnsOf('e')}, old.status AS was`,
      [request.id, request.key],
    );
    if (!row) return { kind: 'gone' };
    const { was, ...delayed } = row;
    return was === 'requested'
      ? { kind: 'delayed', row: delayed as ExecutionRow }
      : { kind: 'delayed' };
  });
}
