import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { DatabaseService } from '../../database/database.service';
import { PeriodicTask } from '../../database/periodic-task';
import { ExecutionLifecycle } from '../../executions/execution-lifecycle.service';
import { ExecutionStore } from '../../stores/execution.store';
import { inTransaction, tryTransactionLock } from '../../stores/sql';
import { WorkerStore } from '../../stores/worker.store';
import { SlotDispatcher } from './slot-dispatcher';
import { HEARTBEAT_MISSES_ALLOWED } from './worker-pool';
import { MetricsService } from '../../metrics/metrics.service';
import { ADVISORY_LOCKS } from '../../database/advisory-locks';

/**
 * Marks workers that stopped heartbeating inactive and rescues their work: executions they had
 * not started go back to the waiting line; running ones end `abandoned`, or are retried (as a new
 * attempt) when their action allows it. Executions left on any inactive worker are rescued on
 * every pass, so a reaper that died half-way is finished by the next one.
 */
@Injectable()
export class DeadWorkerReaper extends PeriodicTask {
  protected readonly logger = new Logger('DeadWorkerReaper');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    db: DatabaseService,
    private readonly workers: WorkerStore,
    private readonly executions: ExecutionStore,
    private readonly lifecycle: ExecutionLifecycle,
    private readonly dispatcher: SlotDispatcher,
    private readonly metrics: MetricsService,
  ) {
    super(db, config.worker.heartbeatMs);
  }

  protected async runOnce(): Promise<void> {
    const staleAfterS = (HEARTBEAT_MISSES_ALLOWED * this.config.worker.heartbeatMs) / 1000;
    const rescued = await inTransaction(this.db, async (sql) => {
      if (!(await tryTransactionLock(sql, ADVISORY_LOCKS.deadWorkerReaper))) return undefined;
      for (const worker of await this.workers.markSilentInactive(sql, staleAfterS)) {
        this.logger.warn(
          `worker ${worker.name} (${worker.id}) missed ${HEARTBEAT_MISSES_ALLOWED} heartbeats: inactive`,
        );
      }
      return this.executions.rescueFromInactiveWorkers(sql);
    });
    if (!rescued) return;
    // Counted once committed: the transaction could still have rolled back inside the store.
    this.metrics.recordFinishedExecutions(rescued.abandoned);
    for (const rows of Object.values(rescued)) for (const row of rows) this.lifecycle.notify(row);
    if (rescued.rescheduled.length + rescued.retried.length > 0) this.dispatcher.joined();
    const counts = Object.entries(rescued)
      .filter(([, rows]) => rows.length > 0)
      .map(([kind, rows]) => `${rows.length} ${kind}`);
    if (counts.length > 0)
      this.logger.warn(`rescued executions of lost workers: ${counts.join(', ')}`);
  }
}
