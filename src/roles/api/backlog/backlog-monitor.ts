import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { AppConfig } from '../../../config/app-config';
import { APP_CONFIG } from '../../../config/config.module';
import { DatabaseService } from '../../../database/database.service';
import { QueueDepths } from '../../../messaging/messaging.port';
import { MetricsService } from '../../../metrics/metrics.service';
import { ExecutionStore } from '../../../stores/execution.store';

const READ_EVERY_MS = 1000;
/** A reading older than this is not trusted to turn work away (the database may be away). */
const TRUSTED_FOR_MS = 10_000;
/** What a turned-away client is told to wait: about what a full backlog takes to shrink. */
export const BACKLOG_RETRY_AFTER_S = 5;

export type Admission = { admitted: true } | { admitted: false; backlog: number; limit: number };

/**
 * The backlog: work accepted and not started (events waiting for the enforcement processor,
 * executions `requested` or `scheduled`), read every second and shown as a metric. Past
 * MAX_BACKLOG, webhooks and manual runs are turned away with 429 (decision 014) instead of
 * accepting work that could not start for minutes.
 */
@Injectable()
export class BacklogMonitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Backlog');
  private readonly limit: number;
  private backlog = 0;
  private readAt = 0;
  private timer?: NodeJS.Timeout;
  private reading = false;
  private over = false;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly db: DatabaseService,
    private readonly executions: ExecutionStore,
    private readonly queues: QueueDepths,
    private readonly metrics: MetricsService,
  ) {
    this.limit = config.maxBacklog;
  }

  onApplicationBootstrap(): void {
    this.metrics.backlogLimit.set(this.limit);
    this.timer = setInterval(() => void this.read(), READ_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  admit(): Admission {
    const trusted = Date.now() - this.readAt < TRUSTED_FOR_MS;
    if (!trusted || this.backlog < this.limit) return { admitted: true };
    return { admitted: false, backlog: this.backlog, limit: this.limit };
  }

  private async read(): Promise<void> {
    if (this.reading || !this.db.isReady) return;
    this.reading = true;
    try {
      const [executions, events] = await Promise.all([
        this.executions.countNotStarted(this.limit),
        // Broker away: the publish of a webhook fails by itself; count what is known.
        this.queues.eventsWaiting().catch(() => 0),
      ]);
      this.backlog = executions + events;
      this.readAt = Date.now();
      this.metrics.backlog.set(this.backlog);
      this.reportCrossing();
    } catch (error) {
      this.logger.warn(`could not read the backlog: ${(error as Error).message}`);
    } finally {
      this.reading = false;
    }
  }

  private reportCrossing(): void {
    const over = this.backlog >= this.limit;
    if (over === this.over) return;
    this.over = over;
    if (over) {
      this.logger.warn(
        `backlog ${this.backlog} reached MAX_BACKLOG (${this.limit}): webhooks and manual runs answer 429`,
      );
    } else {
      this.logger.log(`backlog ${this.backlog} is under MAX_BACKLOG again: accepting work`);
    }
  }
}
