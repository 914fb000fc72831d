import { Injectable, Logger } from '@nestjs/common';
import { DatabaseService } from '../../database/database.service';
import { PeriodicTask } from '../../database/periodic-task';
import { ExecutionLifecycle } from '../../executions/execution-lifecycle.service';
import { runWithCorrelation } from '../../logging/correlation';
import { ExecutionStore } from '../../stores/execution.store';
import { WorkerStore } from '../../stores/worker.store';

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
    private readonly executions: ExecutionStore,
    private readonly workers: WorkerStore,
    private readonly lifecycle: ExecutionLifecycle,
  ) {
    super(db, SWEEP_INTERVAL_MS);
  }

  protected async runOnce(): Promise<void> {
    await this.offerWaitingWhenAWorkerArrives();
    const due = await this.executions.takeDue(BATCH);
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
    const latest = await this.workers.latestActiveRegistration();
    const at = latest ? new Date(latest).toISOString() : null;
    if (at !== this.lastWorkerRegistration) {
      if (at !== null && this.lastWorkerRegistration !== undefined) {
        await this.executions.makeWaitingDueNow();
      }
      this.lastWorkerRegistration = at;
    }
  }
}
