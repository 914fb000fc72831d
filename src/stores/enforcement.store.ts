import { pruneBatch, PruneBatch } from './prune-batch';
import { PruneStep, keptEnforcement } from './retention-rules';
import type { Sql } from './sql';
import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../database/database.service';
import { ListFilter, listPage, ListQuery, NEWEST_FIRST } from './list-page';
import { poolSql } from './sql';

/** An enforcement with the execution it created, if any. */
export interface EnforcementRow {
  id: string;
  event_id: string;
  rule_ref: string;
  trigger_ref: string;
  action_ref: string;
  status: string;
  error: string | null;
  execution_id: string | null;
  correlation_id: string;
  created_at: Date;
}

/** The enforcement table (written with its event, see EventStore.record). */
@Injectable()
export class EnforcementStore {
  constructor(private readonly db: DatabaseService) {}

  /** Filters name columns as `e.<column>`. */
  page(query: ListQuery, filters: ListFilter[]) {
    return listPage<EnforcementRow>(
      poolSql(this.db),
      {
        // execution.enforcement_id is unique, so the join adds no rows.
        from: 'enforcement e LEFT JOIN execution x ON x.enforcement_id = e.id',
        columns: 'e.*, x.id AS execution_id',
        filters,
        order: { ...NEWEST_FIRST, key: 'e.created_at', id: 'e.id' },
      },
      query,
    );
  }

  /** One batch of a retention pass: enforcements older than the window with no execution left. */
  prune(sql: Sql, step: PruneStep): Promise<PruneBatch> {
    const spec = { table: 'enforcement', key: 'created_at', id: 'id', idType: 'uuid' as const };
    const keep = keptEnforcement('t', step);
    return pruneBatch(sql, { ...spec, keep }, step.cutoff, step.after, step.batchSize, step.dryRun);
  }
}
