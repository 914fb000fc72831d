import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../../../database/database.service';
import { listPage, Page, toPage } from '../common/pagination';
import { poolSql } from '../common/sql';
import { iso } from '../../../common/iso';
import { WorkerListQueryDto, WorkerView } from './worker.dto';

interface WorkerRow {
  id: string;
  name: string;
  runners: string[];
  capacity: number;
  status: string;
  heartbeat_at: Date;
  registered_at: Date;
}

@Injectable()
export class WorkersService {
  constructor(private readonly db: DatabaseService) {}

  async list(query: WorkerListQueryDto): Promise<Page<WorkerView>> {
    const page = await listPage<WorkerRow>(
      poolSql(this.db),
      {
        from: 'worker',
        columns: 'id, name, runners, capacity, status, heartbeat_at, registered_at',
        filters: [{ sql: 'status = ?', value: query.status }],
        orderBy: 'registered_at DESC, id DESC',
      },
      query,
    );
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
