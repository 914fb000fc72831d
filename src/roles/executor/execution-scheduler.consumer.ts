import { Controller, Logger } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { DatabaseService } from '../../database/database.service';
import type { PayloadOf } from '../../domain/messages';
import { ActionCatalog, ActionInfo } from '../../executions/action-catalog';
import { ExecutionLifecycle } from '../../executions/execution-lifecycle.service';
import { ExecutionStore } from '../../stores/execution.store';
import { CONSUMERS, OnMessage } from '../../messaging/consumer-components';
import { MessageContext } from '../../messaging/message-context';
import { SlotDispatcher } from './slot-dispatcher';
import { WorkerDispatch } from './worker-dispatch';
import { WorkerPool } from './worker-pool';
import { WorkflowConductor } from './workflow-conductor';
import { WORKFLOW_RUNNER } from '../../domain/core-pack';

/** A runner with no worker is reported at most this often. */
const NO_WORKER_WARNING_MS = 60_000;

/**
 * The fast path for a requested execution that was announced by message (a manual run, a
 * rerun): picks a worker (active, heartbeating, running the action's runner, with free
 * capacity, least loaded first), marks it `scheduled` on that worker with one conditional
 * UPDATE and sends it to the worker's queue with the queue TTL. When no worker has room it does
 * nothing more: the execution is already in the waiting line in PostgreSQL, where the
 * SlotDispatcher takes it as a slot frees (decision 014). It never holds a message.
 */
@Controller()
export class ExecutionScheduler {
  private readonly logger = new Logger('Scheduler');
  private readonly noWorkerWarnedAt = new Map<string, number>();

  constructor(
    private readonly db: DatabaseService,
    private readonly actions: ActionCatalog,
    private readonly lifecycle: ExecutionLifecycle,
    private readonly store: ExecutionStore,
    private readonly pool: WorkerPool,
    private readonly dispatch: WorkerDispatch,
    private readonly dispatcher: SlotDispatcher,
    private readonly conductor: WorkflowConductor,
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
    if (action.runner === WORKFLOW_RUNNER) {
      // A workflow runs in the executor: its conductor starts it.
      await this.conductor.cue(request.execution_id, context.correlationId);
      return;
    }
    // Executions already waiting go first: this one takes its place behind them.
    const pick = this.dispatcher.queuesBehindOthers(action)
      ? 'all-busy'
      : await this.pool.pick(action.runner);
    if (typeof pick === 'string') {
      if (pick === 'no-worker') this.warnNoWorker(action, request.execution_id);
      this.dispatcher.joined();
      return;
    }
    const outcome = await this.store.transition(
      request.execution_id,
      'scheduled',
      { workerId: pick.workerId },
      { attempt: request.attempt },
    );
    if (!outcome.applied) {
      this.pool.release(pick.workerId);
      await this.resendIfScheduled(request, action, context);
      return;
    }
    this.lifecycle.notify(outcome.row);
    await this.dispatch.send(outcome.row, action, context.correlationId);
  }

  /**
   * Not scheduled here. When this message comes again (this scheduler died between update and
   * publish) and the execution is `scheduled` for this attempt, its worker may never have heard
   * of it: send it again (the worker's claim is conditional, so it cannot run twice). On a first
   * delivery, the SlotDispatcher scheduled and sent it meanwhile.
   */
  private async resendIfScheduled(
    request: PayloadOf<'ExecutionRequested'>,
    action: ActionInfo,
    context: MessageContext,
  ): Promise<void> {
    const again = context.delivery.redelivered || context.envelope.headers.retry_count > 0;
    if (!again) return;
    const current = await this.store.get(request.execution_id);
    if (current?.status === 'scheduled' && current.attempt === request.attempt) {
      await this.dispatch.resend(current, action, context.correlationId);
    }
  }

  private warnNoWorker(action: ActionInfo, executionId: string): void {
    const last = this.noWorkerWarnedAt.get(action.runner) ?? 0;
    if (Date.now() - last < NO_WORKER_WARNING_MS) return;
    this.noWorkerWarnedAt.set(action.runner, Date.now());
    this.logger.warn(
      `no active worker runs '${action.runner}': execution ${executionId} and any others for it wait in requested`,
    );
  }
}
