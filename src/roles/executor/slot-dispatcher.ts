import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DatabaseService } from '../../database/database.service';
import { isPureRunner } from '../../domain/core-pack';
import { ActionCatalog, ActionInfo } from '../../executions/action-catalog';
import {
  ConcurrencyPolicy,
  concurrencyKeyOf,
  overLimitReason,
} from '../../domain/concurrency-policy';
import { ExecutionLifecycle } from '../../executions/execution-lifecycle.service';
import { ExecutionRow } from '../../executions/execution-view';
import { runWithCorrelation } from '../../logging/correlation';
import { ExecutionStore } from '../../stores/execution.store';
import { WorkerDispatch } from './worker-dispatch';
import { WorkerPool } from './worker-pool';

/** Waiting executions looked at in one pass at most. */
const MAX_SCAN = 1000;
/**
 * A pass also runs this often, for what no signal announced: a worker that just registered, an
 * execution created by another process, a lease that ran out.
 */
const SAFETY_PASS_MS = 1000;

/** `delayed`: back in the line under its concurrency policy until its key has room. */
type Placement = 'placed' | 'given-back' | 'delayed' | 'gone' | 'send-failed';

/**
 * Starts the executions that wait in PostgreSQL for a worker slot (every `requested` one),
 * oldest first, as slots free (decision 014). A pass is run when a slot is freed (SlotSignals),
 * when an execution joins the line, and every second. It takes as many as there are free slots
 * for the runners that have room; executor replicas take with SKIP LOCKED, so each execution
 * is placed by one of them, and the status change to `scheduled` is conditional besides.
 */
@Injectable()
export class SlotDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('SlotDispatcher');
  private current?: Promise<void>;
  private next?: Promise<void>;
  private timer?: NodeJS.Timeout;
  /**
   * Whether executions may be waiting that a worker with room could take: while they do, new
   * ones queue behind them instead of taking a freed slot first.
   */
  private lineMayHoldWork = true;

  constructor(
    private readonly db: DatabaseService,
    private readonly executions: ExecutionStore,
    private readonly actions: ActionCatalog,
    private readonly lifecycle: ExecutionLifecycle,
    private readonly pool: WorkerPool,
    private readonly dispatch: WorkerDispatch,
  ) {}

  onApplicationBootstrap(): void {
    void this.db.whenReady().then(() => {
      this.timer = setInterval(() => this.wake(), SAFETY_PASS_MS);
      this.timer.unref();
      this.wake();
    });
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /**
   * Whether a new execution of `action` should join the line instead of taking a freed slot
   * directly: while others wait for a slot, it goes behind them (pure ones take no slot). One of
   * an action with a concurrency policy always does: only the line decides under the policy.
   */
  queuesBehindOthers(action: Pick<ActionInfo, 'runner' | 'concurrency'>): boolean {
    if (action.concurrency) return true;
    return this.lineMayHoldWork && !isPureRunner(action.runner);
  }

  /** Executions joined the line: place them as soon as there is room. */
  joined(): void {
    this.lineMayHoldWork = true;
    this.wake();
  }

  /** Runs a pass soon; a wake during a pass runs one more after it. */
  wake(): void {
    void this.placeWaiting();
  }

  /** A pass over the line; resolves when the pass that covers this call has finished. */
  placeWaiting(): Promise<void> {
    if (!this.current) {
      this.current = this.pass()
        .catch((error: Error) =>
          this.logger.warn(`placing waiting executions failed: ${error.message}`),
        )
        .finally(() => (this.current = undefined));
      return this.current;
    }
    this.next ??= this.current.then(() => {
      this.next = undefined;
      return this.placeWaiting();
    });
    return this.next;
  }

  /**
   * Takes as many as there are free slots (and every pure one a worker can run) and places
   * them; one no worker can take after all (a race with another replica) goes back to its place
   * and the pass goes on past it.
   */
  private async pass(): Promise<void> {
    const givenBack: string[] = [];
    const delayed: string[] = [];
    let failedSends = 0;
    let scanned = 0;
    while (scanned < MAX_SCAN) {
      const room = await this.pool.room();
      const batches: Array<{ runners: string[]; limit: number }> = [];
      if (room.pureRunners.length > 0) {
        batches.push({ runners: room.pureRunners, limit: MAX_SCAN - scanned });
      }
      if (room.slots > 0) {
        batches.push({
          runners: room.slotRunners,
          limit: Math.min(room.slots, MAX_SCAN - scanned),
        });
      }
      let more = false;
      for (const { runners, limit } of batches) {
        const taken = await this.executions.takeWaiting(limit, runners, [...givenBack, ...delayed]);
        scanned += taken.length;
        more ||= taken.length === limit;
        const placements = await this.placeAll(taken);
        placements.forEach((placement, i) => {
          if (placement === 'given-back') givenBack.push(taken[i].id);
          // Looked at once a pass: it waits for a slot of its key (or an older one's turn).
          if (placement === 'delayed') delayed.push(taken[i].id);
          if (placement === 'send-failed') failedSends++;
        });
      }
      if (!more) {
        // The line holds nothing a worker has room for, unless this pass gave some back.
        if (room.slots > 0 && givenBack.length === 0) this.lineMayHoldWork = false;
        break;
      }
    }
    if (failedSends > 0) {
      // They are back in the line with a backoff (see TRANSITION_SQL).
      this.logger.warn(`could not send ${failedSends} execution(s) to their workers; retrying`);
    }
  }

  /**
   * Places taken executions: those under a concurrency policy one after another in line order
   * (so they are admitted in request order), the others at once.
   */
  private async placeAll(taken: ExecutionRow[]): Promise<Placement[]> {
    const actions = await Promise.all(taken.map((row) => this.actions.get(row.action_ref)));
    const placements = new Array<Promise<Placement>>(taken.length);
    let inOrder: Promise<unknown> = Promise.resolve();
    taken.forEach((row, i) => {
      const action = actions[i];
      if (action?.concurrency) {
        const concurrency = action.concurrency;
        placements[i] = inOrder.then(() => this.placeUnderPolicy(row, action, concurrency));
        inOrder = placements[i].catch(() => undefined);
      } else {
        placements[i] = this.place(row, action);
      }
    });
    return Promise.all(placements);
  }

  /** Schedules it on a worker with room and sends it there, or gives it back to the line. */
  private async place(row: ExecutionRow, action: ActionInfo | undefined): Promise<Placement> {
    if (!action) return this.failGone(row);
    const pick = await this.pool.pick(action.runner);
    if (typeof pick === 'string') {
      await this.executions.giveBack(row.id);
      return 'given-back';
    }
    const outcome = await this.lifecycle.transition(
      row.id,
      'scheduled',
      { workerId: pick.workerId },
      { attempt: row.attempt },
    );
    if (!outcome.applied) {
      // Scheduled by the scheduler meanwhile (it had the message), or canceled.
      this.pool.release(pick.workerId);
      return 'gone';
    }
    return this.send(outcome.row, action);
  }

  /**
   * Under a concurrency policy (decision 018): scheduled if its key has room and nothing older
   * of it waits, else `delayed` until a slot of its key frees, or `canceled` (on_limit: cancel).
   */
  private async placeUnderPolicy(
    row: ExecutionRow,
    action: ActionInfo,
    policy: ConcurrencyPolicy,
  ): Promise<Placement> {
    const pick = await this.pool.pick(action.runner);
    if (typeof pick === 'string') {
      await this.executions.giveBack(row.id);
      return 'given-back';
    }
    const key = concurrencyKeyOf(policy, row.parameters);
    const outcome = await this.executions.admitUnderPolicy(
      {
        id: row.id,
        attempt: row.attempt,
        actionRef: action.ref,
        key,
        limit: policy.limit,
        workerId: pick.workerId,
      },
      policy.on_limit,
    );
    if (outcome.kind !== 'scheduled') this.pool.release(pick.workerId);
    switch (outcome.kind) {
      case 'scheduled':
        this.lifecycle.notify(outcome.row);
        return this.send(outcome.row, action);
      case 'delayed':
        if (outcome.row) this.lifecycle.notify(outcome.row);
        return 'delayed';
      case 'over-limit':
        await this.lifecycle.transition(row.id, 'canceled', {
          error: overLimitReason(action.ref, policy, key),
        });
        return 'gone';
      case 'gone':
        return 'gone';
    }
  }

  private send(row: ExecutionRow, action: ActionInfo): Promise<Placement> {
    return runWithCorrelation({ correlationId: row.correlation_id }, () =>
      this.dispatch.send(row, action, row.correlation_id),
    ).then(
      (): Placement => 'placed',
      (): Placement => 'send-failed',
    );
  }

  private async failGone(row: ExecutionRow): Promise<Placement> {
    await this.lifecycle.transition(row.id, 'failed', {
      error: `action '${row.action_ref}' no longer exists`,
    });
    return 'gone';
  }
}
