import { Injectable } from '@nestjs/common';
import { delay } from '../common/backoff';
import { ADVISORY_LOCKS } from '../database/advisory-locks';
import { DatabaseService } from '../database/database.service';
import { AuditStore } from '../stores/audit.store';
import { EnforcementStore } from '../stores/enforcement.store';
import { EventStore } from '../stores/event.store';
import { ExecutionStore } from '../stores/execution.store';
import { InquiryStore } from '../stores/inquiry.store';
import { inboundForeignKeys, PruneBatch, PruneCursor } from '../stores/prune-batch';
import { ForeignKeysOf, PruneStep } from '../stores/retention-rules';
import { Sql, withSessionLockTried } from '../stores/sql';

export const PRUNED_TABLES = ['inquiry', 'execution', 'enforcement', 'event', 'audit_log'] as const;
export type PrunedTable = (typeof PRUNED_TABLES)[number];

export interface PruneRequest {
  /** Finished executions (and their inquiries, enforcements, events) older than this go. */
  historyOlderThanMs?: number;
  /** Audit entries older than this go. */
  auditOlderThanMs?: number;
  batchSize: number;
  dryRun: boolean;
  /** Called after each batch (metrics, progress). */
  onBatch?: (table: PrunedTable, deleted: number) => void;
}

export type PruneReport = Record<PrunedTable, number>;

/**
 * Between batches the pass rests five times as long as the batch took (at most a second): it
 * holds no lock meanwhile, and it takes about a sixth of one connection's time. Resting as long
 * as the batch, a pass of a million rows under load cost the load about a third of its
 * throughput on two cores; resting three times as long, 6–22% over four runs. A prune may take
 * longer; the work it shares the machine with may not.
 */
const REST_PER_BATCH_MS = 5;
const MAX_REST_MS = 1000;

/**
 * Deletes history older than the retention window (decision 019), table by table in the order
 * that keeps references whole (inquiries, executions, then what no kept execution refers to),
 * in batches of short statements, by one process at a time across replicas (a session lock that
 * a second pruner does not wait for).
 */
@Injectable()
export class HistoryPruner {
  private readonly stores: Record<
    PrunedTable,
    { prune(sql: Sql, step: PruneStep): Promise<PruneBatch> }
  >;

  constructor(
    private readonly db: DatabaseService,
    inquiries: InquiryStore,
    executions: ExecutionStore,
    enforcements: EnforcementStore,
    events: EventStore,
    audit: AuditStore,
  ) {
    this.stores = {
      inquiry: inquiries,
      execution: executions,
      enforcement: enforcements,
      event: events,
      audit_log: audit,
    };
  }

  /** What was (or, dry, would be) deleted per table; undefined when another process prunes. */
  prune(request: PruneRequest): Promise<PruneReport | undefined> {
    return withSessionLockTried(this.db, ADVISORY_LOCKS.historyPruning, async (sql) => {
      const report = Object.fromEntries(PRUNED_TABLES.map((t) => [t, 0])) as PruneReport;
      const foreignKeys = await this.foreignKeys(sql);
      const now = Date.now();
      for (const table of PRUNED_TABLES) {
        const olderThan =
          table === 'audit_log' ? request.auditOlderThanMs : request.historyOlderThanMs;
        if (olderThan === undefined) continue;
        const cutoff = new Date(now - olderThan);
        let after: PruneCursor | undefined;
        for (;;) {
          const started = Date.now();
          const batch = await this.stores[table].prune(sql, {
            cutoff,
            after,
            batchSize: request.batchSize,
            dryRun: request.dryRun,
            foreignKeys,
          });
          report[table] += batch.deleted;
          request.onBatch?.(table, batch.deleted);
          if (batch.scanned < request.batchSize || !batch.next) break;
          after = batch.next;
          if (!request.dryRun) {
            await delay(Math.min(MAX_REST_MS, REST_PER_BATCH_MS * (Date.now() - started)));
          }
        }
      }
      return report;
    });
  }

  /** Read one after another: they share the pass's one connection. */
  private async foreignKeys(sql: Sql): Promise<ForeignKeysOf> {
    return {
      execution: await inboundForeignKeys(sql, 'execution'),
      inquiry: await inboundForeignKeys(sql, 'inquiry'),
      enforcement: await inboundForeignKeys(sql, 'enforcement'),
      event: await inboundForeignKeys(sql, 'event'),
    };
  }
}
