import { Injectable } from '@nestjs/common';
import type { Principal } from '../../../auth/principal';
import { assertCan, refFilter } from '../../../auth/ref-scope';
import { DatabaseService } from '../../../database/database.service';
import { notFound } from '../common/api-errors';
import { listPage, Page, toPage } from '../common/pagination';
import { poolSql } from '../common/sql';
import { iso } from '../../../common/iso';
import { EventListQueryDto, EventView } from './event.dto';

interface EventRow {
  id: string;
  trigger_ref: string;
  payload: unknown;
  source: string;
  correlation_id: string;
  created_at: Date;
}

@Injectable()
export class EventsService {
  constructor(private readonly db: DatabaseService) {}

  async list(query: EventListQueryDto, caller: Principal): Promise<Page<EventView>> {
    const page = await listPage<EventRow>(
      poolSql(this.db),
      {
        from: 'event',
        columns: '*',
        filters: [
          { sql: 'trigger_ref = ?', value: query.trigger },
          refFilter(caller, 'events:read', 'trigger_ref'),
        ],
        orderBy: 'created_at DESC, id DESC',
      },
      query,
    );
    return toPage(page, toView);
  }

  async get(id: string, caller: Principal): Promise<EventView> {
    const [row] = await this.db.query<EventRow>('SELECT * FROM event WHERE id = $1', [id]);
    if (!row) throw notFound('event', id);
    assertCan(caller, 'events:read', row.trigger_ref);
    return toView(row);
  }
}

function toView(row: EventRow): EventView {
  return {
    id: row.id,
    trigger: row.trigger_ref,
    payload: row.payload,
    source: row.source,
    correlation_id: row.correlation_id,
    created_at: iso(row.created_at)!,
  };
}
