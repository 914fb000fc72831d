import { Injectable } from '@nestjs/common';
import { DEFINITION_FRESHNESS, RefreshingCache } from '../../common/refreshing-cache';
import { RuleStore } from '../../stores/rule.store';
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

  constructor(private readonly store: RuleStore) {}

  forTrigger(triggerRef: string): Promise<EnabledRule[]> {
    return this.cache.get(triggerRef);
  }

  private async load(triggerRef: string): Promise<EnabledRule[]> {
    const rows = await this.store.enabledForTrigger(triggerRef);
    return rows.map((r) => ({
      ref: r.ref,
      triggerRef: r.trigger_ref,
      criteria: r.criteria as Criteria | null,
      actionRef: r.action_ref,
      parameters: r.parameters,
    }));
  }
}
