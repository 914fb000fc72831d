import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { DatabaseService } from '../../database/database.service';
import { PeriodicTask } from '../../database/periodic-task';
import { sourcesOf } from '../../domain/execution-status';
import { ExecutionLifecycle } from '../../executions/execution-lifecycle.service';
import { ExecutionRow } from '../../executions/execution-view';
import { runWithCorrelation } from '../../logging/correlation';
import { HEARTBEAT_MISSES_ALLOWED } from './worker-pool';
import { ADVISORY_LOCKS } from '../../database/advisory-locks';

const RETURNING = `id, action_ref, status, parameters, result, error, worker_id, enforcement_id,
  rerun_of, correlation_id, attempt, created_at, scheduled_at, started_at, finished_at`;

/**
 * Marks workers that stopped heartbeating inactive and rescues their work: executions they had
 * not started go back to the scheduler; running ones end `abandoned`, or are retried (as a new
 * attempt) when their action allows it. Executions left on any inactive worker are rescued on
 * every pass, so a reaper that died half-way is finished by the next one.
 */
@Injectable()
export class DeadWorkerReaper extends PeriodicTask {
  protected readonly logger = new Logger('DeadWorkerReaper');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    db: DatabaseService,
    private readonly lifecycle: ExecutionLifecycle,
  ) {
    super(db, config.worker.heartbeatMs);
  }

  protected async runOnce(): Promise<void> {
    const staleAfterS = (HEARTBEAT_MISSES_ALLOWED * this.config.worker.heartbeatMs) / 1000;
    // manager.query answers [rows, count] for UPDATE … RETURNING (TypeORM), rows for SELECT.
    const rescued = await this.db.dataSource.transaction(async (manager) => {
      const [{ locked }] = await manager.query(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [
        ADVISORY_LOCKS.deadWorkerReaper,
      ]);
      if (!locked) return undefined;
      const [dead]: [Array<{ id: string; name: string }>] = await manager.query(
        `UPDATE worker SET status = 'inactive'
            WHERE status IN ('active', 'draining')
              AND heartbeat_at < now() - make_interval(secs => $1)
            RETURNING id, name`,
        [staleAfterS],
      );
      for (const worker of dead) {
        this.logger.warn(
          `worker ${worker.name} (${worker.id}) missed ${HEARTBEAT_MISSES_ALLOWED} heartbeats: inactive`,
        );
      }
      const onInactive = `worker_id IN (SELECT id FROM worker WHERE status = 'inactive')`;
      const [rescheduled] = await manager.query(
        `UPDATE execution SET status = 'requested', worker_id = NULL, scheduled_at = NULL,
                  dispatch_after = now(), updated_at = now()
            WHERE status = 'scheduled' AND status = ANY($1) AND ${onInactive}
            RETURNING ${RETURNING}`,
        [sourcesOf('requested')],
      );
      const [retried] = await manager.query(
        `UPDATE execution e SET status = 'requested', worker_id = NULL, scheduled_at = NULL,
                  started_at = NULL, attempt = e.attempt + 1, dispatch_after = now(),
                  updated_at = now()
             FROM action a
            WHERE a.ref = e.action_ref AND a.retry_on_worker_loss
              AND e.status = 'running' AND e.${onInactive}
            RETURNING ${RETURNING.split(', ')
              .map((c) => `e.${c.trim()}`)
              .join(', ')}`,
      );
      const [abandoned] = await manager.query(
        `UPDATE execution SET status = 'abandoned', finished_at = now(), updated_at = now(),
                  error = 'its worker stopped heartbeating while it ran'
            WHERE status IN ('running') AND status = ANY($1) AND ${onInactive}
            RETURNING ${RETURNING}`,
        [sourcesOf('abandoned')],
      );
      return { rescheduled, retried, abandoned } as Record<string, ExecutionRow[]>;
    });
    if (!rescued) return;
    for (const row of rescued.abandoned) await this.announce(row, false);
    for (const row of [...rescued.rescheduled, ...rescued.retried]) await this.announce(row, true);
    const counts = Object.entries(rescued)
      .filter(([, rows]) => rows.length > 0)
      .map(([kind, rows]) => `${rows.length} ${kind}`);
    if (counts.length > 0)
      this.logger.warn(`rescued executions of lost workers: ${counts.join(', ')}`);
  }

  private announce(row: ExecutionRow, reschedule: boolean): Promise<void> {
    return runWithCorrelation({ correlationId: row.correlation_id }, async () => {
      this.lifecycle.notify(row);
      if (reschedule) await this.lifecycle.requestScheduling(row);
    });
  }
}
