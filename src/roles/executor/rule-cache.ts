import { Injectable } from '@nestjs/common';
import { DEFINITION_FRESHNESS, RefreshingCache } from '../../common/refreshing-cache';
import { DatabaseService } from '../../database/database.service';
import type { Criteria } from '../../domain/criteria';

export interface EnabledRule {
  ref: string;
  triggerRef: string;
  criteria: Criteria | null;
  actionRef: string;
  parameters: Record<string, unknown> | null;
}

/** Enabled rules by trigger, read for every event: cached, a change is seen within 1 s. */
@Injectable()
export class RuleCache {
  private readonly cache = new RefreshingCache(
    (triggerRef: string) => this.load(triggerRef),
    DEFINITION_FRESHNESS,
  );

  constructor(private readonly db: DatabaseService) {}

  forTrigger(triggerRef: string): Promise<EnabledRule[]> {
    return this.cache.get(triggerRef);
  }

  private async load(triggerRef: string): Promise<EnabledRule[]> {
    const rows = await this.db.query<{
      ref: string;
      trigger_ref: string;
      criteria: Criteria | null;
      action_ref: string;
      parameters: Record<string, unknown> | null;
    }>(
      `SELECT ref, trigger_ref, criteria, action_ref, parameters FROM rule
        WHERE trigger_ref = $1 AND enabled ORDER BY ref`,
      [triggerRef],
    );
    return rows.map((r) => ({
      ref: r.ref,
      triggerRef: r.trigger_ref,
      criteria: r.criteria,
      actionRef: r.action_ref,
      parameters: r.parameters,
    }));
  }
}
