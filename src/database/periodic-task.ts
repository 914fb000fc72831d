import { Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DatabaseService } from './database.service';

/**
 * A background pass over the database every `intervalMs`, once it is reachable: never two
 * passes of one task at a time, and a failed pass is logged and tried again next time.
 */
export abstract class PeriodicTask implements OnApplicationBootstrap, OnApplicationShutdown {
  protected abstract readonly logger: Logger;
  private timer?: NodeJS.Timeout;
  private running = false;
  private stopped = false;

  constructor(
    protected readonly db: DatabaseService,
    private readonly intervalMs: number,
  ) {}

  /** One pass. */
  protected abstract runOnce(): Promise<void>;

  onApplicationBootstrap(): void {
    void this.db.whenReady().then(() => {
      if (!this.stopped) this.timer = setInterval(() => void this.tick(), this.intervalMs);
    });
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.runOnce();
    } catch (error) {
      this.logger.warn(
        `pass failed (next one in ${this.intervalMs} ms): ${(error as Error).message}`,
      );
    } finally {
      this.running = false;
    }
  }
}
