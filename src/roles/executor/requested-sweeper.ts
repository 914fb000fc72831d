import { Injectable, Logger } from '@nestjs/common';
import { DatabaseService } from '../../database/database.service';
import { PeriodicTask } from '../../database/periodic-task';
import { ExecutionLifecycle } from '../../executions/execution-lifecycle.service';
import { runWithCorrelation } from '../../logging/correlation';
import { NEXT_DISPATCH_SQL } from './dispatch-backoff';

const SWEEP_INTERVAL_MS = 1000;
const BATCH = 500;

/**
 * Offers `requested` executions to the scheduler again when they are due: after a crash between
 * commit and publish, and with backoff while no worker can take them. Every executor replica
 * sweeps; SKIP LOCKED and the bumped due time keep them from sending the same row twice.
 * When a worker (re-)registers, everything waiting is offered at once.
 */
@Injectable()
export class RequestedSweeper extends PeriodicTask {
  protected readonly logger = new Logger('RequestedSweeper');
  /** undefined until the first sweep; null while no worker is active. */
  private lastWorkerRegistration: string | null | undefined;

  constructor(
    db: DatabaseService,
    private readonly lifecycle: ExecutionLifecycle,
  ) {
    super(db, SWEEP_INTERVAL_MS);
  }

  protected async runOnce(): Promise<void> {
    await this.offerWaitingWhenAWorkerArrives();
    const due = await this.db.query<{
      id: string;
      action_ref: string;
      attempt: number;
      correlation_id: string;
    }>(
      `UPDATE execution SET dispatch_after = ${NEXT_DISPATCH_SQL},
                dispatch_attempts = dispatch_attempts + 1
          WHERE id IN (SELECT id FROM execution
                        WHERE status = 'requested' AND dispatch_after <= now()
                        ORDER BY dispatch_after LIMIT ${BATCH} FOR UPDATE SKIP LOCKED)
          RETURNING id, action_ref, attempt, correlation_id`,
    );
    for (const row of due) {
      await runWithCorrelation({ correlationId: row.correlation_id }, () =>
        this.lifecycle.requestScheduling(row),
      );
    }
    if (due.length > 0) {
      this.logger.log(`offered ${due.length} waiting execution(s) to the scheduler again`);
    }
  }

  private async offerWaitingWhenAWorkerArrives(): Promise<void> {
    const [latest] = await this.db.query<{ at: Date | null }>(
      `SELECT max(registered_at) AS at FROM worker WHERE status = 'active'`,
    );
    const at = latest?.at ? new Date(latest.at).toISOString() : null;
    if (at !== this.lastWorkerRegistration) {
      if (at !== null && this.lastWorkerRegistration !== undefined) {
        await this.db.query(
          `UPDATE execution SET dispatch_after = now()
            WHERE status = 'requested' AND dispatch_attempts > 0 AND dispatch_after > now()`,
        );
      }
      this.lastWorkerRegistration = at;
    }
  }
}
