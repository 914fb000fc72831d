import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { ActionInfo } from '../../executions/action-catalog';
import { ExecutionLifecycle } from '../../executions/execution-lifecycle.service';
import { ExecutionRow } from '../../executions/execution-view';
import { MessagePublisher } from '../../messaging/messaging.port';

/**
 * Sends scheduled executions to their worker's queue. Used by the scheduler and by the
 * enforcement processor, which schedules new executions itself when a worker has room.
 */
@Injectable()
export class WorkerDispatch {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly publisher: MessagePublisher,
    private readonly lifecycle: ExecutionLifecycle,
  ) {}

  /**
   * Sends it; if that fails the execution goes back to `requested` (so it is not stuck
   * `scheduled` on a worker that never heard of it; that statement frees its slot) and the
   * error is rethrown, so the message that led here is retried.
   */
  async send(row: ExecutionRow, action: ActionInfo, correlationId: string): Promise<void> {
    try {
      await this.resend(row, action, correlationId);
    } catch (error) {
      await this.lifecycle.transition(
        row.id,
        'requested',
        {},
        { workerId: row.worker_id!, attempt: row.attempt },
      );
      throw error;
    }
  }

  /** Sends it again (after a redelivery): the worker's claim is conditional, so it runs once. */
  async resend(row: ExecutionRow, action: ActionInfo, correlationId: string): Promise<void> {
    await this.publisher.publish(
      'ExecutionRequested',
      {
        execution_id: row.id,
        action: row.action_ref,
        attempt: row.attempt,
        runner: action.runner,
        parameters: row.parameters,
        timeout_ms: row.timeout_ms ?? action.timeoutMs,
        worker_id: row.worker_id!,
        ...(row.scheduled_at ? { scheduled_at: new Date(row.scheduled_at).toISOString() } : {}),
      },
      {
        workerId: row.worker_id!,
        correlationId,
        // Not taken within the TTL: dead-letters to the executor, which fails it.
        expirationMs: this.config.messaging.executionQueueTtlMs,
      },
    );
  }
}
