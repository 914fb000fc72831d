import { Controller, Inject, Logger } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { DatabaseService } from '../../database/database.service';
import type { PayloadOf } from '../../domain/messages';
import { ActionCatalog, ActionInfo } from '../../executions/action-catalog';
import { ExecutionStore } from '../../executions/execution.store';
import { ExecutionLifecycle } from '../../executions/execution-lifecycle.service';
import { ExecutionRow } from '../../executions/execution-view';
import { CONSUMERS, OnMessage } from '../../messaging/consumer-components';
import { MessageContext } from '../../messaging/message-context';
import { MessagePublisher } from '../../messaging/messaging.port';
import { NEXT_DISPATCH_SQL } from './dispatch-backoff';

/** A worker is alive when it heartbeated within this many intervals. */
export const HEARTBEAT_MISSES_ALLOWED = 3;

/**
 * Picks a worker for each requested execution: active, heartbeating, supporting the action's
 * runner and with free capacity, least loaded first. The pick and the status change are one
 * statement, so two scheduler replicas cannot both schedule the same execution.
 */
@Controller()
export class ExecutionScheduler {
  private readonly logger = new Logger('Scheduler');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: DatabaseService,
    private readonly actions: ActionCatalog,
    private readonly lifecycle: ExecutionLifecycle,
    private readonly store: ExecutionStore,
    private readonly publisher: MessagePublisher,
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
    const aliveWithinS = (HEARTBEAT_MISSES_ALLOWED * this.config.worker.heartbeatMs) / 1000;
    const [row] = await this.db.query<ExecutionRow>(
      `WITH candidate AS (
         SELECT w.id,
                (SELECT count(*) FROM execution e
                  WHERE e.worker_id = w.id AND e.status IN ('scheduled', 'running')) AS load,
                w.capacity
           FROM worker w
          WHERE w.status = 'active'
            AND w.heartbeat_at > now() - make_interval(secs => $3)
            AND $2 = ANY (w.runners)
       ), chosen AS (
         SELECT id FROM candidate WHERE load < capacity
          ORDER BY load::float / capacity, random() LIMIT 1
       )
       UPDATE execution SET status = 'scheduled', worker_id = chosen.id, scheduled_at = now(),
              updated_at = now()
         FROM chosen
        WHERE execution.id = $1 AND execution.status = 'requested' AND execution.attempt = $4
       RETURNING execution.id, execution.action_ref, execution.status, execution.parameters,
                 execution.worker_id, execution.correlation_id, execution.attempt,
                 execution.created_at, execution.scheduled_at, execution.started_at,
                 execution.finished_at, execution.result, execution.error,
                 execution.enforcement_id, execution.rerun_of`,
      [request.execution_id, action.runner, aliveWithinS, request.attempt],
    );
    if (!row) {
      const current = await this.store.get(request.execution_id);
      if (current?.status === 'scheduled' && current.attempt === request.attempt) {
        // Scheduled before, but maybe never sent (crash between update and publish); the
        // worker's claim is conditional, so sending it twice cannot run it twice.
        await this.sendToWorker(current, action, context.correlationId);
      } else if (current?.status === 'requested') {
        await this.deferIfStillRequested(request, action.runner);
      }
      return;
    }
    await this.lifecycle.notify(row);
    try {
      await this.sendToWorker(row, action, context.correlationId);
    } catch (error) {
      // Give it back so it is not stuck `scheduled` on a worker that never heard of it.
      await this.store.transition(
        row.id,
        'requested',
        {},
        { workerId: row.worker_id!, attempt: row.attempt },
      );
      throw error;
    }
  }

  private async sendToWorker(row: ExecutionRow, action: ActionInfo, correlationId: string) {
    await this.publisher.publish(
      'ExecutionRequested',
      {
        execution_id: row.id,
        action: row.action_ref,
        attempt: row.attempt,
        runner: action.runner,
        parameters: row.parameters,
        timeout_ms: action.timeoutMs,
        worker_id: row.worker_id!,
      },
      {
        workerId: row.worker_id!,
        correlationId,
        // Not taken within the TTL: dead-letters to the executor, which fails it.
        expirationMs: this.config.messaging.executionQueueTtlMs,
      },
    );
  }

  /** No worker could take it: it stays `requested` and the sweeper sends it again later. */
  private async deferIfStillRequested(request: PayloadOf<'ExecutionRequested'>, runner: string) {
    const [deferred] = await this.db.query<{ dispatch_attempts: number }>(
      `UPDATE execution SET dispatch_after = ${NEXT_DISPATCH_SQL},
              dispatch_attempts = dispatch_attempts + 1
        WHERE id = $1 AND status = 'requested'
        RETURNING dispatch_attempts`,
      [request.execution_id],
    );
    if (deferred) {
      this.logger.warn(
        `no active worker with free capacity runs '${runner}' for execution ${request.execution_id}; it stays requested (attempt ${deferred.dispatch_attempts})`,
      );
    }
  }
}
