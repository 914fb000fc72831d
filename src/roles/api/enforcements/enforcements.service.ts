import { Injectable } from '@nestjs/common';
import type { Principal } from '../../../auth/principal';
import { refFilter } from '../../../auth/ref-scope';
import { EnforcementRow, EnforcementStore } from '../../../stores/enforcement.store';
import { Page, toPage } from '../../../http/pagination.dto';
import { iso } from '../../../common/iso';
import { EnforcementListQueryDto, EnforcementView } from './enforcement.dto';

@Injectable()
export class EnforcementsService {
  constructor(private readonly enforcements: EnforcementStore) {}

  async list(query: EnforcementListQueryDto, caller: Principal): Promise<Page<EnforcementView>> {
    const page = await this.enforcements.page(query, [
      { sql: 'e.event_id = ?', value: query.event_id },
      { sql: 'e.rule_ref = ?', value: query.rule },
      refFilter(caller, 'enforcements:read', 'e.rule_ref'),
    ]);
    return toPage(page, toView);
  }
}

function toView(row: EnforcementRow): EnforcementView {
  return {
    id: row.id,
    event_id: row.event_id,
    rule: row.rule_ref,
    trigger: row.trigger_ref,
    action: row.action_ref,
    status: row.status,
    error: row.error,
    execution_id: row.execution_id,
    correlation_id: row.correlation_id,
    created_at: iso(row.created_at)!,
  };
}
