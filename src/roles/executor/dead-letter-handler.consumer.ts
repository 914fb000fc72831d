import { Controller, Inject, Logger } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { DatabaseService } from '../../database/database.service';
import type { PayloadOf } from '../../domain/messages';
import { ExecutionLifecycle } from '../../executions/execution-lifecycle.service';
import { CONSUMERS, OnMessage } from '../../messaging/consumer-components';
import { MessageContext } from '../../messaging/message-context';

/**
 * Reads what worker queues dead-letter. An execution that expired in a worker's queue while
 * still `scheduled` fails (the worker never took it); one the worker could not handle goes back
 * to the scheduler. Anything past `scheduled` is left alone. Messages that name no execution
 * are parked by the transport, never dropped.
 */
@Controller()
export class DeadLetterHandler {
  private readonly logger = new Logger('DeadLetterHandler');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: DatabaseService,
    private readonly lifecycle: ExecutionLifecycle,
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
    };
    if (reason === 'expired') {
      const ttl = this.config.messaging.executionQueueTtlMs;
      const outcome = await this.lifecycle.transition(
        request.execution_id,
        'failed',
        {
          error: `worker ${request.worker_id ?? '?'} did not take the execution within ${ttl} ms (EXECUTION_QUEUE_TTL_MS)`,
        },
        guard,
      );
      if (outcome.applied)
        this.logger.warn(`execution ${request.execution_id} expired in its worker queue: failed`);
      return;
    }
    // Rejected by the worker (or unreadable there): back in the waiting line, after a backoff.
    const outcome = await this.lifecycle.transition(request.execution_id, 'requested', {}, guard);
    if (outcome.applied) {
      this.logger.warn(
        `execution ${request.execution_id} came back from its worker (${reason}): rescheduling`,
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
