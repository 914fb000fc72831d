import { Controller, Inject, Logger } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { DatabaseService } from '../../database/database.service';
import type { PayloadOf } from '../../domain/messages';
import { ExecutionLifecycle } from '../../executions/execution-lifecycle.service';
import { CONSUMERS, OnMessage } from '../../messaging/consumer-components';
import { MessageContext } from '../../messaging/message-context';
import { ExecutionStore } from '../../stores/execution.store';

/**
 * Times an execution may go back to the waiting line (its offer expired in a worker's queue, the
 * worker gave it back, or its worker was lost before taking it) before an expiry fails it.
 */
export const MAX_RETURNS_TO_LINE = 5;

/**
 * Reads what worker queues dead-letter. An execution whose offer expired in a worker's queue
 * while still `scheduled` (a slow or frozen worker never took it), or that the worker could not
 * handle, goes back to the waiting line for another worker; an expiry fails it only once it has
 * been back MAX_RETURNS_TO_LINE times. Anything past `scheduled`, or scheduled again since (an
 * old copy of an earlier offer), is left alone. Messages that name no execution are parked by
 * the transport, never dropped.
 */
@Controller()
export class DeadLetterHandler {
  private readonly logger = new Logger('DeadLetterHandler');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: DatabaseService,
    private readonly lifecycle: ExecutionLifecycle,
    private readonly executions: ExecutionStore,
  ) {}

  @OnMessage(CONSUMERS.deadLetters, 'ExecutionRequested')
  async onDeadLetteredExecution(
    @Payload() request: PayloadOf<'ExecutionRequested'>,
    @Ctx() context: MessageContext,
  ): Promise<void> {
    await this.db.whenReady();
    const reason = context.delivery.deathReason ?? 'unknown';
    // Only a copy that was never taken counts: a duplicate of an execution that its worker
    // already runs (a re-send after a redelivery) may expire in the queue too.
    const guard = {
      attempt: request.attempt,
      from: 'scheduled' as const,
      ...(request.worker_id ? { workerId: request.worker_id } : {}),
      // An old copy of an earlier offer to the same worker is not about the current one.
      ...(request.scheduled_at ? { scheduledAt: request.scheduled_at } : {}),
    };
    const returns = (await this.executions.get(request.execution_id))?.dispatch_attempts ?? 0;
    if (reason === 'expired' && returns + 1 >= MAX_RETURNS_TO_LINE) {
      const ttl = this.config.messaging.executionQueueTtlMs;
      const outcome = await this.lifecycle.transition(
        request.execution_id,
        'failed',
        {
          error: `no worker took the execution within ${ttl} ms (EXECUTION_QUEUE_TTL_MS), ${returns + 1} times; the last was ${request.worker_id ?? '?'}`,
        },
        guard,
      );
      if (outcome.applied)
        this.logger.warn(`execution ${request.execution_id} expired in its worker queue: failed`);
      return;
    }
    // Expired, rejected by the worker or unreadable there: back in the waiting line, after a
    // backoff, for whichever worker has room then.
    const outcome = await this.lifecycle.transition(request.execution_id, 'requested', {}, guard);
    if (outcome.applied) {
      this.logger.warn(
        `execution ${request.execution_id} came back from its worker (${reason}): back in the waiting line (${returns + 1} of ${MAX_RETURNS_TO_LINE})`,
      );
    }
  }

  /** A cancel that reached no worker: the execution is no longer running anywhere. */
  @OnMessage(CONSUMERS.deadLetters, 'ExecutionCancelRequested')
  onDeadLetteredCancel(@Payload() cancel: PayloadOf<'ExecutionCancelRequested'>): void {
    this.logger.log(
      `cancel for execution ${cancel.execution_id} reached no worker; nothing to stop`,
    );
  }
}
