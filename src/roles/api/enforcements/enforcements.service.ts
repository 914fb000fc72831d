import { Injectable } from '@nestjs/common';
import type { Principal } from '../../../auth/principal';
import { refFilter } from '../../../auth/ref-scope';
import { DatabaseService } from '../../../database/database.service';
import { listPage, Page, toPage } from '../common/pagination';
import { poolSql } from '../common/sql';
import { iso } from '../../../common/iso';
import { EnforcementListQueryDto, EnforcementView } from './enforcement.dto';

interface EnforcementRow {
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

@Injectable()
export class EnforcementsService {
  constructor(private readonly db: DatabaseService) {}

  async list(query: EnforcementListQueryDto, caller: Principal): Promise<Page<EnforcementView>> {
    const page = await listPage<EnforcementRow>(
      poolSql(this.db),
      {
        // execution.enforcement_id is unique, so the join adds no rows.
        from: 'enforcement e LEFT JOIN execution x ON x.enforcement_id = e.id',
        columns: 'e.*, x.id AS execution_id',
        filters: [
          { sql: 'e.event_id = ?', value: query.event_id },
          { sql: 'e.rule_ref = ?', value: query.rule },
          refFilter(caller, 'enforcements:read', 'e.rule_ref'),
        ],
        orderBy: 'e.created_at DESC, e.id DESC',
      },
      query,
    );
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
