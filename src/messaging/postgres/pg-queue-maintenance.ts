import { Injectable, Logger } from '@nestjs/common';
import { MESSAGES_CHANNEL, PgConnection } from './pg-connection';

/** How often queues in use are marked used, and unused ones looked for. */
const QUEUE_UPKEEP_MS = 10_000;
/** An exclusive queue (a notifier's) whose process stopped marking it is gone after this. */
const EXCLUSIVE_QUEUE_GRACE_S = 60;

/**
 * Messages past their TTL (`expires_at`, a worker queue's offers) move to the dead-letter queue
 * their queue names (`x-dead-letter-exchange` and `-routing-key`, as RabbitMQ dead-letters them),
 * with an `x-death` header saying `expired`; messages in hand are not expired, as on RabbitMQ.
 * The statement takes them with SKIP LOCKED, so every process may run it.
 */
const EXPIRE_SQL = `WITH expired AS (
    DELETE FROM mq_message m
     USING (SELECT id FROM mq_message
             WHERE expires_at <= now() AND visible_at <= now()
             ORDER BY expires_at LIMIT 500 FOR UPDATE SKIP LOCKED) x
     WHERE m.id = x.id
    RETURNING m.queue, m.exchange, m.routing_key, m.body, m.properties
  ), routed AS (
    INSERT INTO mq_message (queue, exchange, routing_key, body, properties)
    SELECT b.queue, e.exchange, e.routing_key, e.body,
           jsonb_set(e.properties, '{headers}',
                     COALESCE(e.properties->'headers', '{}'::jsonb)
                     || jsonb_build_object('x-death', jsonb_build_array(jsonb_build_object(
                          'reason', 'expired', 'queue', e.queue, 'exchange', e.exchange,
                          'routing-keys', jsonb_build_array(e.routing_key)))))
      FROM expired e
      JOIN mq_queue q ON q.name = e.queue
      JOIN mq_binding b ON b.exchange = q.arguments->>'x-dead-letter-exchange'
                       AND b.routing_key = q.arguments->>'x-dead-letter-routing-key'
    RETURNING queue
  )
  SELECT queue, pg_notify('${MESSAGES_CHANNEL}', queue) FROM (SELECT DISTINCT queue FROM routed) r`;

/**
 * Queues RabbitMQ would delete: exclusive ones whose owner stopped marking them, and those with
 * `x-expires` unused that long (a worker that never came back). Their messages go with them.
 */
const DROP_UNUSED_SQL = `WITH gone AS (
    DELETE FROM mq_queue
     WHERE (exclusive AND last_used_at < now() - make_interval(secs => $1))
        OR (arguments ? 'x-expires'
            AND last_used_at < now() - make_interval(secs => (arguments->>'x-expires')::numeric / 1000))
    RETURNING name
  )
  DELETE FROM mq_message WHERE queue IN (SELECT name FROM gone)`;

/** The PostgreSQL transport's housekeeping, run from the consumers' watchdog. */
@Injectable()
export class PgQueueMaintenance {
  private readonly logger = new Logger('PgTransport');
  private readonly used = new Set<string>();
  private lastUpkeep = 0;
  private running = false;

  constructor(private readonly connection: PgConnection) {}

  /** Marks `queue` used by this process for as long as it runs. */
  keepAlive(queue: string): void {
    this.used.add(queue);
  }

  /** This process is done with an exclusive queue: it goes, with what it holds. */
  async release(queue: string): Promise<void> {
    this.used.delete(queue);
    await this.connection
      .inTransaction(async (client) => {
        await client.query('DELETE FROM mq_queue WHERE name = $1', [queue]);
        await client.query('DELETE FROM mq_message WHERE queue = $1', [queue]);
      })
      .catch(() => {}); // gone anyway once unused for a minute
  }

  async runIfDue(): Promise<void> {
    if (this.running || !this.connection.isConnected) return;
    this.running = true;
    try {
      await this.connection.queryRelaxed(EXPIRE_SQL);
      if (Date.now() - this.lastUpkeep >= QUEUE_UPKEEP_MS) {
        this.lastUpkeep = Date.now();
        if (this.used.size > 0) {
          await this.connection.query(
            'UPDATE mq_queue SET last_used_at = now() WHERE name = ANY($1)',
            [[...this.used]],
          );
        }
        await this.connection.query(DROP_UNUSED_SQL, [EXCLUSIVE_QUEUE_GRACE_S]);
      }
    } catch (error) {
      this.logger.warn(`queue upkeep failed (${(error as Error).message}); trying again`);
    } finally {
      this.running = false;
    }
  }
}
