import { Injectable } from '@nestjs/common';
import { WorkerStore } from '../../../stores/worker.store';
import { Page, toPage } from '../../../http/pagination.dto';
import { iso } from '../../../common/iso';
import { WorkerListQueryDto, WorkerView } from './worker.dto';

@Injectable()
export class WorkersService {
  constructor(private readonly workers: WorkerStore) {}

  async list(query: WorkerListQueryDto): Promise<Page<WorkerView>> {
    const page = await this.workers.page(query, [{ sql: 'status = ?', value: query.status }]);
    return toPage(page, (row) => ({
      id: row.id,
      name: row.name,
      runners: row.runners,
      capacity: row.capacity,
      status: row.status,
      heartbeat_at: iso(row.heartbeat_at)!,
      registered_at: iso(row.registered_at)!,
    }));
  }
}
