import { Inject, Injectable } from '@nestjs/common';
import { RefreshingCache } from '../../common/refreshing-cache';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { isPureRunner } from '../../domain/core-pack';
import { WorkerStore } from '../../stores/worker.store';

/** A worker is alive when it heartbeated within this many intervals. */
export const HEARTBEAT_MISSES_ALLOWED = 3;

interface PooledWorker {
  id: string;
  runners: Set<string>;
  capacity: number;
  /**
   * Slots taken: executions scheduled to or running on it, except pure ones (counted at
   * refresh), plus picks since, minus slots announced freed since.
   */
  load: number;
}

export type Pick = { workerId: string } | 'no-worker' | 'all-busy';

/**
 * The scheduler's view of the workers, read from PostgreSQL (one query for all of them) every
 * 200 ms in the background while it is in use, instead of once per execution; nobody waits for
 * it unless it is over 1 s old. Each pick counts against the chosen worker at once, and each
 * freed slot is given back at once (SlotSignals: the statement that finishes an execution
 * announces its worker), so a fast worker is not capped at capacity per refresh (decision 014).
 * Several executor replicas may together overshoot a worker's capacity by a few until the next
 * read; the worker's own concurrency (its prefetch) absorbs that.
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

  /**
   * The least loaded active worker that runs `runner` and has room (ties broken at random). A
   * pure runner's execution holds no slot: any able worker takes it, whatever its load.
   */
  async pick(runner: string): Promise<Pick> {
    this.workers = await this.view.get('all');
    const pick = this.choose(runner);
    if (pick !== 'no-worker') return pick;
    // Never say "no worker" on a stale view (a worker may have just registered).
    this.workers = await this.view.getFresh('all');
    return this.choose(runner);
  }

  private choose(runner: string): Pick {
    const able = this.workers.filter((w) => w.runners.has(runner));
    if (able.length === 0) return 'no-worker';
    const holdsSlot = !isPureRunner(runner);
    let best: PooledWorker | undefined;
    let bestRatio = Infinity;
    for (const worker of able) {
      const ratio = (worker.load + Math.random() * 0.01) / worker.capacity;
      if ((worker.load < worker.capacity || !holdsSlot) && ratio < bestRatio) {
        best = worker;
        bestRatio = ratio;
      }
    }
    if (!best) return 'all-busy';
    if (holdsSlot) best.load++;
    return { workerId: best.id };
  }

  /**
   * What the waiting line can be taken for now: the slot-holding runners some worker has room
   * for, with those workers' free slots, and the pure runners some worker runs (no slot needed).
   */
  async room(): Promise<{ slotRunners: string[]; slots: number; pureRunners: string[] }> {
    this.workers = await this.view.get('all');
    const slotRunners = new Set<string>();
    const pureRunners = new Set<string>();
    let slots = 0;
    for (const worker of this.workers) {
      const hasRoom = worker.load < worker.capacity;
      if (hasRoom) slots += worker.capacity - worker.load;
      for (const runner of worker.runners) {
        if (isPureRunner(runner)) pureRunners.add(runner);
        else if (hasRoom) slotRunners.add(runner);
      }
    }
    return { slotRunners: [...slotRunners], slots, pureRunners: [...pureRunners] };
  }

  /**
   * Slots were freed (executions left `scheduled`/`running` on this worker, announced by the
   * statement that moved them), or a pick was given back (the execution was not scheduled).
   */
  release(workerId: string, slots = 1): void {
    const worker = this.workers.find((w) => w.id === workerId);
    if (worker) worker.load = Math.max(0, worker.load - slots);
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
