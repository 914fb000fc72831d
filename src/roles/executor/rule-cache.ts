import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../../database/database.service';
import type { Criteria } from '../../domain/criteria';

export interface EnabledRule {
  ref: string;
  triggerRef: string;
  criteria: Criteria | null;
  actionRef: string;
  parameters: Record<string, unknown> | null;
}

/** Rules change rarely and are read for every event: keep them a moment. */
const CACHE_MS = 1000;

/** Enabled rules by trigger, briefly cached. */
@Injectable()
export class RuleCache {
  private readonly cache = new Map<string, { at: number; rules: EnabledRule[] }>();

  constructor(private readonly db: DatabaseService) {}

  async forTrigger(triggerRef: string): Promise<EnabledRule[]> {
    const hit = this.cache.get(triggerRef);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.rules;
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
    const rules = rows.map((r) => ({
      ref: r.ref,
      triggerRef: r.trigger_ref,
      criteria: r.criteria,
      actionRef: r.action_ref,
      parameters: r.parameters,
    }));
    this.cache.set(triggerRef, { at: Date.now(), rules });
    return rules;
  }
}
