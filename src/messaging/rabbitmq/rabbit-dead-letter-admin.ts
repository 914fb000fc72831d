import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { MESSAGING_NEEDS, MessagingNeeds } from '../consumer-components';
import type { Channel, GetMessage } from 'amqplib';
import {
  DeadLetterAdmin,
  DeadLetterMessage,
  DeadLetterQueueInfo,
  NotReplayableError,
  UnknownDeadLetterQueueError,
} from '../messaging.port';
import { Topology } from '../topology';
import { BrokerConnection } from './broker-connection';
import { RabbitPublisher } from './rabbit-publisher';

/** Lists, peeks into and replays dead-letter queues (basic.get on a spare channel). */
@Injectable()
export class RabbitDeadLetterAdmin extends DeadLetterAdmin {
  /** Every dead-letter queue known here, with the queue its messages replay into. */
  private readonly sources = new Map<string, string | undefined>();
  private readonly prefix: string;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(MESSAGING_NEEDS) needs: MessagingNeeds,
    topology: Topology,
    private readonly broker: BrokerConnection,
    private readonly publisher: RabbitPublisher,
  ) {
    super();
    this.prefix = topology.prefix;
    for (const queue of topology.deadLetterQueues) {
      this.sources.set(queue.name, topology.sourceOfDeadLetterQueue(queue.name));
    }
    for (const component of needs.consumers) {
      if (component.instanceBoundAtRunTime) continue;
      const queues = component.queues(topology, config.instanceId);
      // Only durable sources can take a replay; an exclusive notifier queue is per connection.
      if (!this.sources.has(queues.deadLetter.name)) {
        this.sources.set(
          queues.deadLetter.name,
          queues.main.durable ? queues.main.name : undefined,
        );
      }
    }
  }

  async list(): Promise<DeadLetterQueueInfo[]> {
    const result: DeadLetterQueueInfo[] = [];
    for (const [queue, source] of this.sources) {
      const messages = await this.broker
        .withSpareChannel(async (channel) => (await channel.checkQueue(queue)).messageCount)
        .catch(() => 0); // not declared yet: nothing was ever dead-lettered there
      result.push({ queue, source, messages });
    }
    return result;
  }

  /** Reads up to `limit` messages and puts them all back (closing the channel requeues them). */
  async peek(queue: string, limit: number): Promise<DeadLetterMessage[]> {
    this.assertKnown(queue);
    return this.broker.withSpareChannel(async (channel) => {
      const messages: DeadLetterMessage[] = [];
      for (let i = 0; i < limit; i++) {
        const msg = await channel.get(queue, { noAck: false });
        if (!msg) break;
        messages.push(describe(msg));
      }
      await channel.recover();
      return messages;
    });
  }

  /** Sends up to `limit` messages back to the queue they failed on, with a fresh retry count. */
  async replay(queue: string, limit: number): Promise<{ replayed: number; remaining: number }> {
    this.assertKnown(queue);
    const source = this.sourceOf(queue);
    if (!source) {
      throw new NotReplayableError(`${queue} has no single source queue to replay into`);
    }
    return this.broker.withSpareChannel(async (channel: Channel) => {
      let replayed = 0;
      for (; replayed < limit; replayed++) {
        const msg = await channel.get(queue, { noAck: false });
        if (!msg) break;
        try {
          await this.publisher.publishRaw({
            exchange: '',
            routingKey: source,
            mandatory: true,
            content: resetRetryCount(msg.content),
            properties: {
              messageId: msg.properties.messageId,
              correlationId: msg.properties.correlationId,
              type: msg.properties.type,
              timestamp: msg.properties.timestamp,
              headers: {
                ...(msg.properties.headers ?? {}),
                'x-retry-count': 0,
                'x-replayed-at': new Date().toISOString(),
              },
            },
          });
          channel.ack(msg);
        } catch (error) {
          channel.nack(msg, false, true);
          throw error;
        }
      }
      const { messageCount } = await channel.checkQueue(queue);
      return { replayed, remaining: messageCount };
    });
  }

  /** Known DLQs first; otherwise the naming rule `<queue>.dlq` (a probe's, a newer component's). */
  private sourceOf(queue: string): string | undefined {
    if (this.sources.has(queue)) return this.sources.get(queue);
    return queue.endsWith('.dlq') ? queue.slice(0, -'.dlq'.length) : undefined;
  }

  private assertKnown(queue: string): void {
    const ours = queue.startsWith(`${this.prefix}.`) && queue.endsWith('.dlq');
    if (!this.sources.has(queue) && !ours) {
      const known = [...this.sources.keys()].join(', ');
      throw new UnknownDeadLetterQueueError(
        `unknown dead-letter queue '${queue}'; known: ${known}`,
      );
    }
  }
}

function header(msg: GetMessage, name: string): string | undefined {
  const value = msg.properties.headers?.[name];
  return value === undefined || value === null ? undefined : String(value);
}

function describe(msg: GetMessage): DeadLetterMessage {
  const text = msg.content.toString('utf8');
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // keep the raw text: bad JSON is one reason messages land here
  }
  const death = (
    msg.properties.headers?.['x-death'] as Array<Record<string, unknown>> | undefined
  )?.[0];
  const retry = header(msg, 'x-retry-count');
  return {
    message_id: msg.properties.messageId,
    message_type: msg.properties.type,
    correlation_id: msg.properties.correlationId,
    reason: header(msg, 'x-dead-letter-reason') ?? (death?.reason as string | undefined),
    error: header(msg, 'x-error'),
    retry_count: retry === undefined ? undefined : Number(retry),
    original_exchange:
      header(msg, 'x-original-exchange') ?? (death?.exchange as string | undefined),
    original_routing_key:
      header(msg, 'x-original-routing-key') ??
      (death?.['routing-keys'] as string[] | undefined)?.[0] ??
      undefined,
    failed_at: header(msg, 'x-failed-at'),
    body,
  };
}

function resetRetryCount(content: Buffer): Buffer {
  try {
    const envelope = JSON.parse(content.toString('utf8'));
    if (envelope && typeof envelope === 'object' && envelope.headers) {
      envelope.headers.retry_count = 0;
      return Buffer.from(JSON.stringify(envelope));
    }
  } catch {
    // not JSON: replay it as it was
  }
  return content;
}
