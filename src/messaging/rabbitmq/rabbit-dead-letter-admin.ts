import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { MESSAGING_NEEDS, MessagingNeeds } from '../consumer-components';
import type { Channel } from 'amqplib';
import {
  DeadLetterQueues,
  describeDeadLetter,
  replayHeaders,
  resetRetryCount,
} from '../dead-letter-queues';
import {
  DeadLetterAdmin,
  DeadLetterMessage,
  DeadLetterQueueInfo,
  NotReplayableError,
} from '../messaging.port';
import { Topology } from '../topology';
import { BrokerConnection } from './broker-connection';
import { RabbitPublisher } from './rabbit-publisher';

/** Lists, peeks into and replays dead-letter queues (basic.get on a spare channel). */
@Injectable()
export class RabbitDeadLetterAdmin extends DeadLetterAdmin {
  private readonly queues: DeadLetterQueues;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(MESSAGING_NEEDS) needs: MessagingNeeds,
    topology: Topology,
    private readonly broker: BrokerConnection,
    private readonly publisher: RabbitPublisher,
  ) {
    super();
    this.queues = new DeadLetterQueues(config, needs, topology);
  }

  async list(): Promise<DeadLetterQueueInfo[]> {
    const result: DeadLetterQueueInfo[] = [];
    for (const [queue, source] of this.queues.sources) {
      const messages = await this.broker
        .withSpareChannel(async (channel) => (await channel.checkQueue(queue)).messageCount)
        .catch(() => 0); // not declared yet: nothing was ever dead-lettered there
      result.push({ queue, source, messages });
    }
    return result;
  }

  /** Reads up to `limit` messages and puts them all back (closing the channel requeues them). */
  async peek(queue: string, limit: number): Promise<DeadLetterMessage[]> {
    this.queues.assertKnown(queue);
    return this.undeclaredIsEmpty([], async (channel) => {
      const messages: DeadLetterMessage[] = [];
      for (let i = 0; i < limit; i++) {
        const msg = await channel.get(queue, { noAck: false });
        if (!msg) break;
        messages.push(describeDeadLetter(msg.content, msg.properties));
      }
      await channel.recover();
      return messages;
    });
  }

  /** Sends up to `limit` messages back to the queue they failed on, with a fresh retry count. */
  async replay(queue: string, limit: number): Promise<{ replayed: number; remaining: number }> {
    this.queues.assertKnown(queue);
    const source = this.queues.sourceOf(queue);
    if (!source) {
      throw new NotReplayableError(`${queue} has no single source queue to replay into`);
    }
    return this.undeclaredIsEmpty({ replayed: 0, remaining: 0 }, async (channel: Channel) => {
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
              headers: replayHeaders(msg.properties.headers),
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

  /** A DLQ not declared (yet) holds nothing, as on the PostgreSQL transport: not a 404 frame. */
  private async undeclaredIsEmpty<T>(empty: T, read: (channel: Channel) => Promise<T>): Promise<T> {
    try {
      return await this.broker.withSpareChannel(read);
    } catch (error) {
      if ((error as { fields?: { replyCode?: number } }).fields?.replyCode === 404) return empty;
      throw error;
    }
  }
}
