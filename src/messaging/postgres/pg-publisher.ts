import { Inject, Injectable } from '@nestjs/common';
import { delay } from '../../common/backoff';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { isDatabaseUnavailable } from '../../database/database-errors';
import { Envelope, MessageType, PayloadOf } from '../../domain/messages';
import { MetricsService } from '../../metrics/metrics.service';
import type { Headers } from '../consumer-runtime/failure-headers';
import { newEnvelope } from '../envelope-factory';
import { MessagePublisher, PublishError, PublishOptions } from '../messaging.port';
import { routeFor } from '../routes';
import { Topology } from '../topology';
import { MESSAGES_CHANNEL, PgConnection } from './pg-connection';

/** What a message row carries besides its body: the AMQP properties Attune uses. */
export interface PgMessageProperties {
  messageId?: string;
  correlationId?: string;
  type?: string;
  timestamp?: number;
  headers?: Headers;
}

export interface PgRawPublish {
  exchange: string;
  routingKey: string;
  content: Buffer;
  mandatory: boolean;
  properties: PgMessageProperties;
  expirationMs?: number;
}

/**
 * Routes through the bindings and inserts one row per queue reached, notifying each queue, in
 * one statement: committed is confirmed, and the NOTIFY goes out with the commit. The default
 * exchange ('') reaches the queue named by the routing key, as on RabbitMQ.
 */
const PUBLISH_SQL = `WITH target AS (
    SELECT b.queue FROM mq_binding b
     WHERE $1 <> '' AND b.exchange = $1
       AND ((b.pattern IS NULL AND b.routing_key = $2) OR $2 ~ b.pattern)
    UNION
    SELECT q.name FROM mq_queue q WHERE $1 = '' AND q.name = $2
  ), sent AS (
    INSERT INTO mq_message (queue, exchange, routing_key, body, properties, expires_at)
    SELECT queue, $1, $2, $3, $4,
           CASE WHEN $5::int IS NULL THEN NULL ELSE now() + make_interval(secs => $5::int / 1000.0) END
      FROM target
    RETURNING queue
  )
  SELECT queue, pg_notify('${MESSAGES_CHANNEL}', queue) FROM (SELECT DISTINCT queue FROM sent) q`;

/** Publishes as rows in PostgreSQL; waits out a database restart up to MQ_PUBLISH_TIMEOUT_MS. */
@Injectable()
export class PgPublisher extends MessagePublisher {
  private readonly source: string;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly connection: PgConnection,
    private readonly topology: Topology,
    private readonly metrics: MetricsService,
  ) {
    super();
    this.source = config.roles.join(',');
  }

  async publish<T extends MessageType>(
    type: T,
    payload: PayloadOf<T>,
    options: PublishOptions = {},
  ): Promise<Envelope<PayloadOf<T>>> {
    const envelope = newEnvelope(type, payload, this.source, options.correlationId);
    const route = routeFor(this.topology, type, payload, { workerId: options.workerId });
    await this.publishRaw({
      exchange: route.exchange,
      routingKey: route.routingKey,
      mandatory: route.mandatory,
      content: Buffer.from(JSON.stringify(envelope)),
      properties: {
        messageId: envelope.message_id,
        correlationId: envelope.correlation_id,
        type,
        timestamp: Math.floor(Date.now() / 1000),
      },
      expirationMs: options.expirationMs,
    });
    this.metrics.published.inc({ exchange: route.exchange, type });
    return envelope;
  }

  /** The one path every message leaves this process by (also dead letters and replays). */
  async publishRaw(message: PgRawPublish): Promise<void> {
    const destination = `${message.exchange || '(default exchange)'} with key '${message.routingKey}'`;
    const timeoutMs = this.config.messaging.publishTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    let reached: unknown[];
    for (let attempt = 0; ; attempt++) {
      try {
        reached = await this.connection.query(PUBLISH_SQL, [
          message.exchange,
          message.routingKey,
          message.content,
          JSON.stringify(message.properties),
          message.expirationMs ?? null,
        ]);
        break;
      } catch (error) {
        if (!isDatabaseUnavailable(error) || Date.now() >= deadline) {
          throw new PublishError(
            `publish to ${destination} failed: ${(error as Error).message}` +
              (isDatabaseUnavailable(error) ? ` (for ${timeoutMs} ms)` : ''),
          );
        }
        await delay(Math.min(1000, 100 * 2 ** attempt));
      }
    }
    if (reached.length === 0 && message.mandatory) {
      throw new PublishError(`publish to ${destination} was unroutable: no queue is bound for it`);
    }
  }
}
