import { Inject, Injectable } from '@nestjs/common';
import { delay } from '../../common/backoff';
import { TickBatcher } from '../../common/tick-batcher';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { isDatabaseUnavailable } from '../../database/database-errors';
import { MetricsService } from '../../metrics/metrics.service';
import type { Headers } from '../consumer-runtime/failure-headers';
import { PublishError } from '../messaging.port';
import { Topology } from '../topology';
import { MESSAGES_CHANNEL, PgConnection } from './pg-connection';
import { EnvelopePublisher, MessageProperties } from '../envelope-publisher';
import type { Route } from '../routes';

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
 * Publishes a batch in one statement: routes each message through the bindings, inserts a row
 * per queue reached and notifies each queue. Committed is confirmed; the NOTIFY goes out with
 * the commit. The default exchange ('') reaches the queue named by the routing key, as on
 * RabbitMQ. Returns how many queues each message (by index) reached.
 *
 * Batched because a transaction that notifies takes a lock on PostgreSQL's notification queue
 * until its commit is flushed: one publish per commit serialized every publish behind one WAL
 * flush (about 150/s on the bench machine). One commit now carries many.
 */
export const PUBLISH_SQL = `WITH m AS (
    SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::bytea[], $5::jsonb[], $6::int[])
                  AS m(i, exchange, routing_key, body, properties, ttl_ms)
  ), target AS (
    SELECT m.i, b.queue FROM m JOIN mq_binding b
        ON m.exchange <> '' AND b.exchange = m.exchange
       AND ((b.pattern IS NULL AND b.routing_key = m.routing_key) OR m.routing_key ~ b.pattern)
    UNION ALL
    SELECT m.i, q.name FROM m JOIN mq_queue q ON m.exchange = '' AND q.name = m.routing_key
  ), sent AS (
    INSERT INTO mq_message (queue, exchange, routing_key, body, properties, expires_at)
    SELECT t.queue, m.exchange, m.routing_key, m.body, m.properties,
           CASE WHEN m.ttl_ms IS NULL THEN NULL ELSE now() + make_interval(secs => m.ttl_ms / 1000.0) END
      FROM target t JOIN m ON m.i = t.i
     ORDER BY m.i
    RETURNING queue
  ), notified AS (
    SELECT pg_notify('${MESSAGES_CHANNEL}', queue) FROM (SELECT DISTINCT queue FROM sent) q
  )
  SELECT i, count(*)::int AS queues FROM target GROUP BY i
  UNION ALL SELECT -1, count(*)::int FROM notified`;

/** Publishes as rows in PostgreSQL; waits out a database restart up to MQ_PUBLISH_TIMEOUT_MS. */
@Injectable()
export class PgPublisher extends EnvelopePublisher {
  private readonly batches = new TickBatcher<PgRawPublish, number>((messages) =>
    this.insert(messages),
  );

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly connection: PgConnection,
    topology: Topology,
    metrics: MetricsService,
  ) {
    super(config, topology, metrics);
  }

  protected send(
    route: Route,
    content: Buffer,
    properties: MessageProperties,
    expirationMs: number | undefined,
  ): Promise<void> {
    return this.publishRaw({ ...route, content, properties, expirationMs });
  }

  /** The one path every message leaves this process by (also dead letters and replays). */
  async publishRaw(message: PgRawPublish): Promise<void> {
    const destination = `${message.exchange || '(default exchange)'} with key '${message.routingKey}'`;
    const reached = await this.batches.add(message).catch((error: Error) => {
      throw new PublishError(`publish to ${destination} failed: ${error.message}`);
    });
    if (reached === 0 && message.mandatory) {
      throw new PublishError(
        `publish to ${destination} was returned as unroutable (NO_ROUTE): no queue is bound for it`,
      );
    }
  }

  /** One batch, tried again while the database is away, up to MQ_PUBLISH_TIMEOUT_MS. */
  private async insert(messages: PgRawPublish[]): Promise<number[]> {
    const timeoutMs = this.config.messaging.publishTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        const rows = await this.connection.query<{ i: number; queues: number }>(PUBLISH_SQL, [
          messages.map((_, i) => i),
          messages.map((m) => m.exchange),
          messages.map((m) => m.routingKey),
          messages.map((m) => m.content),
          messages.map((m) => JSON.stringify(m.properties)),
          messages.map((m) => m.expirationMs ?? null),
        ]);
        const reached = new Map(rows.map((row) => [row.i, row.queues]));
        return messages.map((_, i) => reached.get(i) ?? 0);
      } catch (error) {
        if (!isDatabaseUnavailable(error) || Date.now() >= deadline) {
          const suffix = isDatabaseUnavailable(error) ? ` (for ${timeoutMs} ms)` : '';
          throw new Error(`${(error as Error).message}${suffix}`, { cause: error });
        }
        await delay(Math.min(1000, 100 * 2 ** attempt));
      }
    }
  }
}
