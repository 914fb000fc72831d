import { Controller, Logger } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { delay } from '../../common/backoff';
import { DatabaseService } from '../../database/database.service';
import type { PayloadOf } from '../../domain/messages';
import { ActionCatalog, ActionInfo } from '../../executions/action-catalog';
import { ExecutionLifecycle } from '../../executions/execution-lifecycle.service';
import { ExecutionStore } from '../../stores/execution.store';
import { CONSUMERS, OnMessage } from '../../messaging/consumer-components';
import { MessageContext } from '../../messaging/message-context';
import { WorkerDispatch } from './worker-dispatch';
import { WorkerPool } from './worker-pool';

/** While every able worker is busy, the scheduler holds the message and looks again. */
const BUSY_RECHECK_MS = 50;
const BUSY_WAIT_MAX_MS = 10_000;

/**
 * Picks a worker for each requested execution (active, heartbeating, running the action's
 * runner, with free capacity, least loaded first), marks it `scheduled` on that worker with one
 * conditional UPDATE (two scheduler replicas cannot both schedule it) and sends it to the
 * worker's queue with the queue TTL. With no worker able to run it, it stays `requested`.
 */
@Controller()
export class ExecutionScheduler {
  private readonly logger = new Logger('Scheduler');

  constructor(
    private readonly db: DatabaseService,
    private readonly actions: ActionCatalog,
    private readonly lifecycle: ExecutionLifecycle,
    private readonly store: ExecutionStore,
    private readonly pool: WorkerPool,
    private readonly dispatch: WorkerDispatch,
  ) {}

  @OnMessage(CONSUMERS.scheduler, 'ExecutionRequested')
  async onExecutionRequested(
    @Payload() request: PayloadOf<'ExecutionRequested'>,
    @Ctx() context: MessageContext,
  ): Promise<void> {
    await this.db.whenReady();
    const action = await this.actions.get(request.action);
    if (!action) {
      await this.lifecycle.transition(request.execution_id, 'failed', {
        error: `action '${request.action}' no longer exists`,
      });
      return;
    }
    const pick = await this.pickWorker(action.runner);
    if (typeof pick === 'string') {
      await this.resendOrDefer(request, action, context.correlationId, pick);
      return;
    }
    const outcome = await this.store.transition(
      request.execution_id,
      'scheduled',
      { workerId: pick.workerId },
      { attempt: request.attempt },
    );
    const row = outcome.applied ? outcome.row : undefined;
    if (!row) {
      this.pool.release(pick.workerId);
      await this.resendOrDefer(request, action, context.correlationId);
      return;
    }
    this.lifecycle.notify(row);
    await this.dispatch.send(row, action, context.correlationId);
  }

  /** Waits (holding the message) while able workers are all busy; gives up after a while. */
  private async pickWorker(runner: string) {
    const deadline = Date.now() + BUSY_WAIT_MAX_MS;
    let pick = await this.pool.pick(runner);
    while (pick === 'all-busy' && Date.now() < deadline) {
      await delay(BUSY_RECHECK_MS);
      pick = await this.pool.pick(runner);
    }
    return pick;
  }

  /**
   * Not scheduled now. Already `scheduled` (a crash between update and publish, or a re-offer):
   * send it to its worker again, whose claim is conditional so it cannot run twice. Still
   * `requested` with no worker for it: leave it to the requested-sweeper, with backoff.
   */
  private async resendOrDefer(
    request: PayloadOf<'ExecutionRequested'>,
    action: ActionInfo,
    correlationId: string,
    why?: 'no-worker' | 'all-busy',
  ): Promise<void> {
    const current = await this.store.get(request.execution_id);
    if (current?.status === 'scheduled' && current.attempt === request.attempt) {
      await this.dispatch.resend(current, action, correlationId);
      return;
    }
    if (current?.status !== 'requested' || !why) return;
    const deferrals = await this.store.deferDispatch(request.execution_id);
    if (deferrals === 1) {
      this.logger.warn(
        why === 'no-worker'
          ? `no active worker runs '${action.runner}': execution ${request.execution_id} waits in requested`
          : `every worker running '${action.runner}' is busy: execution ${request.execution_id} waits in requested`,
      );
    }
  }
}
