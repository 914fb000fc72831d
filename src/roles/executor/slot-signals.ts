import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig, databaseUrl } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { DatabaseService } from '../../database/database.service';
import { SLOTS_FREED_CHANNEL } from '../../stores/execution-transitions';
import { PgListener } from '../../stores/pg-listener';
import { SlotDispatcher } from './slot-dispatcher';
import { WorkerPool } from './worker-pool';

/**
 * Hears the slots freed anywhere (the statement that finishes an execution announces its
 * worker on SLOTS_FREED_CHANNEL when it commits): gives them back to the worker view at once and
 * wakes the dispatcher, so a fast worker's slots are used again within milliseconds instead of
 * after the view's next read.
 */
@Injectable()
export class SlotSignals implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly listener: PgListener;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly db: DatabaseService,
    private readonly pool: WorkerPool,
    private readonly dispatcher: SlotDispatcher,
  ) {
    this.listener = new PgListener(
      databaseUrl(config),
      SLOTS_FREED_CHANNEL,
      (payload) => this.freed(payload),
      // Announcements made while reconnecting are lost: look at the line anyway.
      () => this.dispatcher.wake(),
    );
  }

  onApplicationBootstrap(): void {
    void this.db.whenReady().then(() => this.listener.start());
  }

  async onApplicationShutdown(): Promise<void> {
    await this.listener.stop();
  }

  /** `<worker id>:<count>,…` */
  private freed(payload: string): void {
    for (const pair of payload.split(',')) {
      const [workerId, count] = pair.split(':');
      if (workerId && Number(count) > 0) this.pool.release(workerId, Number(count));
    }
    this.dispatcher.wake();
  }
}
