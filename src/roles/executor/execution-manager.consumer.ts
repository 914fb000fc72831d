import { Controller, Logger } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { KeyedSerializer } from '../../common/keyed-serializer';
import { DatabaseService } from '../../database/database.service';
import type { PayloadOf } from '../../domain/messages';
import { ExecutionLifecycle } from '../../executions/execution-lifecycle.service';
import { ExecutionStore } from '../../stores/execution.store';
import { InquiryStore } from '../../stores/inquiry.store';
import { NotificationSender } from '../../executions/notification-sender';
import { CONSUMERS, OnMessage } from '../../messaging/consumer-components';
import { MessageContext } from '../../messaging/message-context';
import { MessagePublisher } from '../../messaging/messaging.port';
import { historyRowId } from '../../common/uuid';

/**
 * Applies what workers (and people answering inquiries) report, through the state machine,
 * and publishes a notification for every applied change. Messages about one execution are
 * handled in arrival order, so notifications come out in the order things happened.
 */
@Controller()
export class ExecutionManager {
  private readonly logger = new Logger('ExecutionManager');
  private readonly perExecution = new KeyedSerializer();

  constructor(
    private readonly db: DatabaseService,
    private readonly store: ExecutionStore,
    private readonly inquiries: InquiryStore,
    private readonly lifecycle: ExecutionLifecycle,
    private readonly publisher: MessagePublisher,
    private readonly notifications: NotificationSender,
  ) {}

  /** A status a worker reports (workers record `running` and announce it themselves). */
  @OnMessage(CONSUMERS.executionManager, 'ExecutionStatusChanged')
  onStatusChanged(@Payload() change: PayloadOf<'ExecutionStatusChanged'>): Promise<void> {
    return this.perExecution.run(change.execution_id, async () => {
      await this.db.whenReady();
      await this.lifecycle.transition(
        change.execution_id,
        change.status,
        {},
        { attempt: change.attempt },
      );
    });
  }

  @OnMessage(CONSUMERS.executionManager, 'ExecutionCompleted')
  onCompleted(@Payload() done: PayloadOf<'ExecutionCompleted'>): Promise<void> {
    return this.perExecution.run(done.execution_id, async () => {
      await this.db.whenReady();
      await this.lifecycle.transition(
        done.execution_id,
        done.status,
        { result: done.result ?? null, error: done.error ?? null },
        { attempt: done.attempt, ...(done.worker_id ? { workerId: done.worker_id } : {}) },
      );
    });
  }

  /** core.ask: the execution waits (paused) on a person; the inquiry is stored once. */
  @OnMessage(CONSUMERS.executionManager, 'InquiryCreated')
  onInquiryCreated(
    @Payload() inquiry: PayloadOf<'InquiryCreated'>,
    @Ctx() context: MessageContext,
  ): Promise<void> {
    return this.perExecution.run(inquiry.execution_id, async () => {
      await this.db.whenReady();
      const outcome = await this.lifecycle.transition(
        inquiry.execution_id,
        'paused',
        {},
        { attempt: inquiry.attempt },
      );
      const paused = outcome.applied || outcome.current === 'paused';
      if (!paused) return;
      const inserted = await this.inquiries.insertPending({
        id: inquiry.inquiry_id,
        executionId: inquiry.execution_id,
        prompt: inquiry.prompt,
        schema: inquiry.schema,
        correlationId: context.correlationId,
        timeoutAt: inquiry.timeout_at,
      });
      if (inserted) {
        await this.notifyInquiry(inquiry.inquiry_id, inquiry.execution_id, 'pending');
      }
    });
  }

  /** An answer completes the execution with the answer as its result, and can fire rules. */
  @OnMessage(CONSUMERS.executionManager, 'InquiryResponded')
  onInquiryResponded(@Payload() answer: PayloadOf<'InquiryResponded'>): Promise<void> {
    return this.perExecution.run(answer.execution_id, async () => {
      await this.db.whenReady();
      const outcome = await this.lifecycle.transition(answer.execution_id, 'succeeded', {
        result: answer.response ?? null,
      });
      if (!outcome.applied) {
        if (outcome.reason !== 'noop') {
          this.logger.warn(
            `answer to inquiry ${answer.inquiry_id} came too late: execution is ${outcome.current}`,
          );
        }
        return;
      }
      await this.notifyInquiry(answer.inquiry_id, answer.execution_id, 'responded');
      await this.publisher.publish('EventCreated', {
        event_id: historyRowId(),
        trigger: 'core.inquiry',
        payload: {
          inquiry_id: answer.inquiry_id,
          execution_id: answer.execution_id,
          response: answer.response,
        },
        source: `inquiry:${answer.inquiry_id}`,
        occurred_at: new Date().toISOString(),
      });
    });
  }

  private async notifyInquiry(
    inquiryId: string,
    executionId: string,
    status: string,
  ): Promise<void> {
    const row = await this.store.get(executionId);
    if (!row) return;
    this.notifications.send({
      kind: 'inquiry',
      inquiry_id: inquiryId,
      execution_id: executionId,
      action: row.action_ref,
      status,
      correlation_id: row.correlation_id,
      at: new Date().toISOString(),
    });
  }
}
