import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { DatabaseService } from '../../database/database.service';
import { PeriodicTask } from '../../database/periodic-task';
import { MetricsService } from '../../metrics/metrics.service';
import { HistoryPruner } from '../../retention/history-pruner';

const DAY_MS = 86_400_000;

/**
 * Prunes history older than RETENTION_DAYS (finished executions, their inquiries,
 * enforcements and events) and audit entries older than AUDIT_RETENTION_DAYS, every
 * RETENTION_INTERVAL_MS, in one executor replica at a time (decision 019). 0 days keeps all.
 */
@Injectable()
export class HistoryRetention extends PeriodicTask {
  protected readonly logger = new Logger('HistoryRetention');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    db: DatabaseService,
    private readonly pruner: HistoryPruner,
    private readonly metrics: MetricsService,
  ) {
    super(db, config.retention.intervalMs);
  }

  protected async runOnce(): Promise<void> {
    const { days, auditDays, batchSize } = this.config.retention;
    if (days === 0 && auditDays === 0) return;
    const started = Date.now();
    const report = await this.pruner.prune({
      historyOlderThanMs: days > 0 ? days * DAY_MS : undefined,
      auditOlderThanMs: auditDays > 0 ? auditDays * DAY_MS : undefined,
      batchSize,
      dryRun: false,
      onBatch: (table, deleted) => this.metrics.prunedRows.inc({ table }, deleted),
    });
    if (!report) return; // another replica is pruning
    this.metrics.prunePasses.inc();
    this.metrics.prunePassSeconds.set((Date.now() - started) / 1000);
    const counts = Object.entries(report).filter(([, n]) => n > 0);
    if (counts.length > 0) {
      this.logger.log(
        `pruned ${counts.map(([table, n]) => `${n} ${table}`).join(', ')} in ${Date.now() - started} ms`,
      );
    }
  }
}
