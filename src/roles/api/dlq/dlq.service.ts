import {
  Injectable,
  NotFoundException,
  OnModuleInit,
  ServiceUnavailableException,
} from '@nestjs/common';
import { MetricsService } from '../../../metrics/metrics.service';
import {
  DeadLetterAdmin,
  DeadLetterQueueInfo,
  NotReplayableError,
  PublishError,
  UnknownDeadLetterQueueError,
} from '../../../messaging/messaging.port';
import { AuditTrail } from '../../../audit/audit-trail.service';
import type { Principal } from '../../../auth/principal';
import { conflict } from '../../../common/errors';
import {
  DeadLetterMessageList,
  DeadLetterQueueList,
  DeadLetterQueueView,
  ReplayResult,
} from './dlq.dto';

/** Operator view of the dead-letter queues, through the messaging module's DeadLetterAdmin. */
@Injectable()
export class DlqService implements OnModuleInit {
  constructor(
    private readonly admin: DeadLetterAdmin,
    private readonly audit: AuditTrail,
    private readonly metrics: MetricsService,
  ) {}

  /** The depth of every DLQ goes on /metrics, read when scraped. */
  onModuleInit(): void {
    this.metrics.reportDeadLetterDepths(() => this.admin.list());
  }

  async list(): Promise<DeadLetterQueueList> {
    const items = (await this.broker('list', () => this.admin.list())).map(toView);
    return { items, total: items.length };
  }

  /** An empty queue is not read: it may not even be declared by this process's roles. */
  async peek(queue: string, limit: number): Promise<DeadLetterMessageList> {
    const info = await this.find(queue);
    if (info.messages === 0) return { items: [], total: 0 };
    const messages = await this.broker(queue, () => this.admin.peek(queue, limit));
    const items = messages.map((message) => ({
      message_id: message.message_id ?? null,
      message_type: message.message_type ?? null,
      correlation_id: message.correlation_id ?? null,
      reason: message.reason ?? null,
      error: message.error ?? null,
      retry_count: message.retry_count ?? null,
      original_exchange: message.original_exchange ?? null,
      original_routing_key: message.original_routing_key ?? null,
      failed_at: message.failed_at ?? null,
      body: message.body,
    }));
    return { items, total: Math.max(info.messages, items.length) };
  }

  async replay(queue: string, limit: number, caller: Principal): Promise<ReplayResult> {
    const info = await this.find(queue);
    if (!info.source) {
      throw conflict(`${queue} has no single source queue to replay into; it is not replayable`);
    }
    if (info.messages === 0) return { replayed: 0, remaining: 0 };
    const result = await this.broker(queue, () => this.admin.replay(queue, limit));
    await this.audit.record(caller, 'replay', 'dlq', queue, { ...result, limit });
    return result;
  }

  private async find(queue: string): Promise<DeadLetterQueueInfo> {
    const queues = await this.broker('list', () => this.admin.list());
    const info = queues.find((candidate) => candidate.queue === queue);
    if (!info) {
      const known = queues.map((candidate) => candidate.queue).join(', ');
      throw new NotFoundException(`unknown dead-letter queue '${queue}'; known: ${known}`);
    }
    return info;
  }

  /** Broker failures are a 503 naming the queue; the admin's own errors map in the filter. */
  private async broker<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (
        error instanceof UnknownDeadLetterQueueError ||
        error instanceof NotReplayableError ||
        error instanceof PublishError
      ) {
        throw error;
      }
      throw new ServiceUnavailableException(
        `dead-letter queues (${what}): broker unavailable: ${(error as Error).message}`,
      );
    }
  }
}

function toView(info: DeadLetterQueueInfo): DeadLetterQueueView {
  return { queue: info.queue, source: info.source ?? null, messages: info.messages };
}
