import { Injectable, Logger } from '@nestjs/common';
import type { ConsumeMessage } from 'amqplib';
import type { Envelope } from '../../domain/messages';
import { MetricsService } from '../../metrics/metrics.service';
import type { DeadLetterReason } from '../consumer-runtime/delivery-decoder';
import { ConsumerQueues, Topology } from '../topology';
import { deadLetterHeaders, retryHeaders } from '../consumer-runtime/failure-headers';
import { originHeaders, passThroughProperties } from './delivery-headers';
import { RabbitPublisher } from './rabbit-publisher';

/**
 * Where a failed message goes on RabbitMQ: a retry queue of its ladder (a TTL queue that
 * dead-letters back to the main queue), or its dead-letter queue with the reason, the error and
 * where it came from in its headers. Both are confirmed publishes: the original is acked only
 * once its copy is safe.
 */
@Injectable()
export class RabbitFailureRouter {
  private readonly logger = new Logger('Consumers');

  constructor(
    private readonly publisher: RabbitPublisher,
    private readonly metrics: MetricsService,
    private readonly topology: Topology,
  ) {}

  async retry(
    queues: ConsumerQueues,
    msg: ConsumeMessage,
    envelope: Envelope,
    attempt: number,
    error: string,
  ): Promise<void> {
    const retryQueue = queues.retries[attempt - 1];
    this.logger.warn(
      `${envelope.message_type} ${envelope.message_id} failed on ${queues.main.name} (${error}); retry ${attempt} via ${retryQueue.name}`,
    );
    const next = { ...envelope, headers: { ...envelope.headers, retry_count: attempt } };
    await this.publisher.publishRaw({
      exchange: '',
      routingKey: retryQueue.name,
      mandatory: true,
      content: Buffer.from(JSON.stringify(next)),
      properties: {
        ...passThroughProperties(msg),
        headers: retryHeaders(originHeaders(msg), attempt, error),
      },
    });
    this.metrics.retried.inc({ queue: this.topology.queueMetricLabel(queues.main.name) });
  }

  async deadLetter(
    queues: ConsumerQueues,
    consumerTag: string,
    msg: ConsumeMessage,
    reason: DeadLetterReason,
    error: string,
    retryCount: number,
  ): Promise<void> {
    this.logger.error(
      `dead-lettering a message from ${queues.main.name} to ${queues.deadLetter.name}: ${reason}: ${error}`,
    );
    await this.publisher.publishRaw({
      exchange: queues.deadLetterRoute.exchange,
      routingKey: queues.deadLetterRoute.routingKey,
      mandatory: true,
      content: msg.content,
      properties: {
        ...passThroughProperties(msg),
        headers: deadLetterHeaders(originHeaders(msg), {
          reason,
          error,
          retryCount,
          sourceQueue: queues.main.name,
          consumerTag,
        }),
      },
    });
    this.metrics.deadLettered.inc({
      queue: this.topology.queueMetricLabel(queues.main.name),
      reason,
    });
  }
}
