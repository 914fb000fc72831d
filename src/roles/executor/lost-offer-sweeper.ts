import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { DatabaseService } from '../../database/database.service';
import { PeriodicTask } from '../../database/periodic-task';
import { ExecutionLifecycle } from '../../executions/execution-lifecycle.service';
import { ExecutionStore } from '../../stores/execution.store';
import { SlotDispatcher } from './slot-dispatcher';

const SWEEP_INTERVAL_MS = 10_000;
/** Past the queue TTL, for the dead-letter handler to have seen an expired copy first. */
const GRACE_AFTER_TTL_S = 60;

/**
 * Puts back in the waiting line the executions whose offer to a worker was really lost: the
 * executor died between marking one `scheduled` and publishing it. A copy that was published
 * is taken by its worker or expires from its queue within EXECUTION_QUEUE_TTL_MS (and is
 * then failed by the dead-letter handler), so one still `scheduled` well after that has no copy
 * anywhere (decision 014). Nothing on its way is ever offered twice.
 */
@Injectable()
export class LostOfferSweeper extends PeriodicTask {
  protected readonly logger = new Logger('LostOfferSweeper');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    db: DatabaseService,
    private readonly executions: ExecutionStore,
    private readonly lifecycle: ExecutionLifecycle,
    private readonly dispatcher: SlotDispatcher,
  ) {
    super(db, SWEEP_INTERVAL_MS);
  }

  protected async runOnce(): Promise<void> {
    const lostAfterS = this.config.messaging.executionQueueTtlMs / 1000 + GRACE_AFTER_TTL_S;
    const rows = await this.executions.returnLostOffers(lostAfterS);
    if (rows.length === 0) return;
    for (const row of rows) this.lifecycle.notify(row);
    this.logger.warn(
      `${rows.length} execution(s) were scheduled but never sent to their worker: back in the line`,
    );
    this.dispatcher.joined();
  }
}
