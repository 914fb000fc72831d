import { pruneBatch, PruneBatch } from './prune-batch';
import type { PruneStep } from './retention-rules';
import type { Sql } from './sql';
import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../database/database.service';
import { listPage, ListQuery } from './list-page';
import { poolSql } from './sql';

export interface AuditEntry {
  actor: string;
  /** What was done: create, update, delete, run, cancel, rerun, respond, replay, revoke … */
  action: string;
  /** The kind of thing: trigger, action, rule, sensor, execution, inquiry, dlq, key, role, secret. */
  resource: string;
  ref: string | null;
  correlationId: string | null;
  /** What else helps a reader; never a secret value or a key. */
  details?: Record<string, unknown>;
}

export interface AuditRow {
  id: string;
  at: Date;
  actor: string;
  action: string;
  resource: string;
  ref: string | null;
  correlation_id: string | null;
  details: Record<string, unknown> | null;
}

/** The audit_log table: append-only (rows leave only by retention). */
@Injectable()
export class AuditStore {
  constructor(private readonly db: DatabaseService) {}

  async record(entry: AuditEntry): Promise<void> {
    await this.db.query(
      `INSERT INTO audit_log (actor, action, resource, ref, correlation_id, details)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        entry.actor,
        entry.action,
        entry.resource,
        entry.ref,
        entry.correlationId,
        entry.details ? JSON.stringify(entry.details) : null,
      ],
    );
  }

  page(query: ListQuery & { actor?: string; resource?: string; action?: string }) {
    return listPage<AuditRow>(
      poolSql(this.db),
      {
        from: 'audit_log',
        columns: 'id::text AS id, at, actor, action, resource, ref, correlation_id, details',
        filters: [
          { sql: 'actor = ?', value: query.actor },
          { sql: 'resource = ?', value: query.resource },
          { sql: 'action = ?', value: query.action },
        ],
        order: { key: 'at', keyType: 'timestamptz', id: 'id', idType: 'bigint', direction: 'DESC' },
      },
      query,
    );
  }

  /** One batch of a retention pass: audit entries older than AUDIT_RETENTION_DAYS. */
  prune(sql: Sql, step: PruneStep): Promise<PruneBatch> {
    const spec = { table: 'audit_log', key: 'at', id: 'id', idType: 'bigint' as const };
    return pruneBatch(sql, spec, step.cutoff, step.after, step.batchSize, step.dryRun);
  }
}
