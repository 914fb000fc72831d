import { Injectable } from '@nestjs/common';
import type { Principal } from '../../../auth/principal';
import { assertCan, refFilter } from '../../../auth/ref-scope';
import { EventRow, EventStore } from '../../../stores/event.store';
import { notFound } from '../../../common/errors';
import { Page, toPage } from '../../../http/pagination.dto';
import { iso } from '../../../common/iso';
import { EventListQueryDto, EventView } from './event.dto';

@Injectable()
export class EventsService {
  constructor(private readonly events: EventStore) {}

  async list(query: EventListQueryDto, caller: Principal): Promise<Page<EventView>> {
    const page = await this.events.page(query, [
      { sql: 'trigger_ref = ?', value: query.trigger },
      refFilter(caller, 'events:read', 'trigger_ref'),
    ]);
    return toPage(page, toView);
  }

  async get(id: string, caller: Principal): Promise<EventView> {
    const row = await this.events.get(id);
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
