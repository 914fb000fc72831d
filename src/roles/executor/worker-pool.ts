import { Inject, Injectable } from '@nestjs/common';
import { RefreshingCache } from '../../common/refreshing-cache';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { WorkerStore } from '../../stores/worker.store';

/** A worker is alive when it heartbeated within this many intervals. */
export const HEARTBEAT_MISSES_ALLOWED = 3;

interface PooledWorker {
  id: string;
  runners: Set<string>;
  capacity: number;
  /** Executions scheduled to or running on it: counted at refresh, plus picks since. */
  load: number;
}

export type Pick = { workerId: string } | 'no-worker' | 'all-busy';

/**
 * The scheduler's view of the workers, read from PostgreSQL (one query for all of them) every
 * 200 ms in the background while it is in use, instead of once per execution; nobody waits for
 * it unless it is over 1 s old. Between reads each pick counts against the chosen worker, so a
 * burst spreads by load; several executor replicas may together overshoot a worker's capacity
 * by a few, which its own concurrency absorbs.
 */
@Injectable()
export class WorkerPool {
  private readonly view = new RefreshingCache(() => this.query(), {
    freshMs: 200,
    maxStaleMs: 1000,
  });
  private workers: PooledWorker[] = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: WorkerStore,
  ) {}

  /** The least loaded active worker that runs `runner` and has room (ties broken at random). */
  async pick(runner: string): Promise<Pick> {
    this.workers = await this.view.get('all');
    const pick = this.choose(runner);
    if (typeof pick === 'object') return pick;
    // Never turn an execution away on a stale view (a worker may have just registered).
    this.workers = await this.view.getFresh('all');
    return this.choose(runner);
  }

  private choose(runner: string): Pick {
    const able = this.workers.filter((w) => w.runners.has(runner));
    if (able.length === 0) return 'no-worker';
    let best: PooledWorker | undefined;
    let bestRatio = Infinity;
    for (const worker of able) {
      const ratio = (worker.load + Math.random() * 0.01) / worker.capacity;
      if (worker.load < worker.capacity && ratio < bestRatio) {
        best = worker;
        bestRatio = ratio;
      }
    }
    if (!best) return 'all-busy';
    best.load++;
    return { workerId: best.id };
  }

  /** Gives a pick back (the execution was not scheduled after all). */
  release(workerId: string): void {
    const worker = this.workers.find((w) => w.id === workerId);
    if (worker && worker.load > 0) worker.load--;
  }

  private async query(): Promise<PooledWorker[]> {
    const aliveWithinS = (HEARTBEAT_MISSES_ALLOWED * this.config.worker.heartbeatMs) / 1000;
    const rows = await this.store.activeWithLoad(aliveWithinS);
    return rows.map((r) => ({
      id: r.id,
      runners: new Set(r.runners),
      capacity: r.capacity,
      load: r.load,
    }));
  }
}
