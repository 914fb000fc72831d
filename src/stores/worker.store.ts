import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../database/database.service';
import { PURE_RUNNERS } from '../domain/core-pack';
import { ListFilter, listPage, ListQuery, NEWEST_FIRST } from './list-page';
import { poolSql, Sql } from './sql';

export interface WorkerRow {
  id: string;
  name: string;
  runners: string[];
  capacity: number;
  status: string;
  heartbeat_at: Date;
  registered_at: Date;
}

/** An active worker as the scheduler sees it: its executions scheduled or running counted. */
export interface WorkerWithLoad {
  id: string;
  runners: string[];
  capacity: number;
  load: number;
}

const COLUMNS = 'id, name, runners, capacity, status, heartbeat_at, registered_at';

/** The worker table: registrations, heartbeats and who is alive. */
@Injectable()
export class WorkerStore {
  constructor(private readonly db: DatabaseService) {}

  /** Registers by name: the same name keeps its id across restarts. Answers the id. */
  async register(worker: {
    id: string;
    name: string;
    runners: string[];
    capacity: number;
    instanceId: string;
  }): Promise<string> {
    const [row] = await this.db.query<{ id: string }>(
      `INSERT INTO worker (id, name, runners, capacity, status, instance_id, heartbeat_at)
       VALUES ($1, $2, $3, $4, 'active', $5, now())
       ON CONFLICT (name) DO UPDATE SET runners = EXCLUDED.runners, capacity = EXCLUDED.capacity,
         status = 'active', instance_id = EXCLUDED.instance_id, heartbeat_at = now(),
         registered_at = now()
       RETURNING id`,
      [worker.id, worker.name, worker.runners, worker.capacity, worker.instanceId],
    );
    return row.id;
  }

  /** Also brings a worker back to active if the reaper gave up on it while it was stalled. */
  async heartbeat(id: string): Promise<void> {
    await this.db.query(
      `UPDATE worker SET heartbeat_at = now(),
              status = CASE WHEN status = 'inactive' THEN 'active' ELSE status END
        WHERE id = $1 AND status <> 'draining'`,
      [id],
    );
  }

  async setStatus(id: string, status: 'draining' | 'inactive'): Promise<void> {
    await this.db.query('UPDATE worker SET status = $2 WHERE id = $1', [id, status]);
  }

  page(query: ListQuery, filters: ListFilter[]) {
    return listPage<WorkerRow>(
      poolSql(this.db),
      {
        from: 'worker',
        columns: COLUMNS,
        filters,
        order: { ...NEWEST_FIRST, key: 'registered_at' },
      },
      query,
    );
  }

  /**
   * Active workers that heartbeated within `aliveWithinS`, with their load: the slots taken by
   * executions scheduled to or running on them (pure ones take none). One query.
   */
  activeWithLoad(aliveWithinS: number): Promise<WorkerWithLoad[]> {
    return this.db.query<WorkerWithLoad>(
      `SELECT w.id, w.runners, w.capacity,
              (SELECT count(*) FROM execution e
                WHERE e.worker_id = w.id AND e.status IN ('scheduled', 'running')
                  AND e.action_ref NOT IN (SELECT ref FROM action WHERE runner = ANY($2))
              )::int AS load
         FROM worker w
        WHERE w.status = 'active' AND w.heartbeat_at > now() - make_interval(secs => $1)`,
      [aliveWithinS, PURE_RUNNERS],
    );
  }

  /** Marks workers silent for `staleAfterS` inactive (in the reaper's transaction). */
  markSilentInactive(sql: Sql, staleAfterS: number): Promise<Array<{ id: string; name: string }>> {
    return sql.rows(
      `UPDATE worker SET status = 'inactive'
        WHERE status IN ('active', 'draining')
          AND heartbeat_at < now() - make_interval(secs => $1)
        RETURNING id, name`,
      [staleAfterS],
    );
  }
}
