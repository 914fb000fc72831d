import { Inject, Injectable, Logger } from '@nestjs/common';
import { TickBatcher } from '../../common/tick-batcher';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { MetricsService } from '../../metrics/metrics.service';
import { prefetchOf } from '../consumer-components';
import {
  ConsumerDriver,
  declareConsumerQueues,
  RunningConsumer,
} from '../consumer-runtime/consumer-driver';
import { DeadLetterReason, decodeDelivery } from '../consumer-runtime/delivery-decoder';
import {
  deadLetterHeaders,
  deathOf,
  retryHeaders,
  withOrigin,
} from '../consumer-runtime/failure-headers';
import { HandlerRegistry } from '../consumer-runtime/handler-registry';
import { MessageDispatcher } from '../consumer-runtime/message-dispatcher';
import { DeclaredTopology } from '../declared-topology';
import { ConsumerStatus } from '../messaging.port';
import type { DeliveryInfo } from '../message-context';
import { ConsumerQueues, Topology } from '../topology';
import { MESSAGES_CHANNEL, PgConnection } from './pg-connection';
import type { PgMessageProperties } from './pg-publisher';
import { PgQueueMaintenance } from './pg-queue-maintenance';

/** How long a taken message stays invisible to other consumers; renewed while it is handled. */
export const LEASE_S = 30;
/** A consumer looks for messages by itself this often: leases that ran out, retries now due. */
const SAFETY_PASS_MS = 1000;

interface MessageRow {
  id: string;
  exchange: string;
  routing_key: string;
  body: Buffer;
  properties: PgMessageProperties;
  deliveries: number;
}

/** Takes up to $2 ready messages of queue $1, oldest first, leasing them for $3 seconds. */
export const TAKE_SQL = `UPDATE mq_message m
    SET visible_at = now() + make_interval(secs => $3), deliveries = m.deliveries + 1
   FROM (SELECT id FROM mq_message
          WHERE queue = $1 AND visible_at <= now() AND (expires_at IS NULL OR expires_at > now())
          ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED) t
  WHERE m.id = t.id
  RETURNING m.id, m.exchange, m.routing_key, m.body, m.properties, m.deliveries`;

/** The next rung of the ladder: the same row, with the new body and headers, due after $4 ms. */
const RETRY_SQL = `UPDATE mq_message
    SET body = $2, properties = $3, deliveries = 0,
        visible_at = now() + make_interval(secs => $4::int / 1000.0)
  WHERE id = $1`;

/** Parks a message in queue $2 (its DLQ) with new properties, in one statement. */
const DEAD_LETTER_SQL = `WITH gone AS (DELETE FROM mq_message WHERE id = $1 RETURNING exchange, routing_key, body)
  INSERT INTO mq_message (queue, exchange, routing_key, body, properties)
  SELECT $2, exchange, routing_key, body, $3 FROM gone
  RETURNING pg_notify('${MESSAGES_CHANNEL}', $2)`;

/**
 * The PostgreSQL half of the consumer runtime (decision 016): each component reads its queue's
 * rows, woken by the NOTIFY of every publish to it (no polling on the hot path; a safety pass
 * each second finds leases that ran out and retries that are due). Up to the prefetch are in
 * hand at once, each leased (LEASE_S, renewed) so a killed consumer's messages come back.
 * Decoding, dispatch and the retry decision are the same code as on RabbitMQ.
 */
@Injectable()
export class PgConsumers extends ConsumerDriver {
  private readonly log = new Logger('Consumers');
  private readonly readers = new Map<RunningConsumer, QueueReader>();
  private readonly acks = new TickBatcher<string, void>(async (ids) => {
    await this.connection.queryRelaxed('DELETE FROM mq_message WHERE id = ANY($1::bigint[])', [
      ids,
    ]);
    return ids.map(() => undefined);
  });

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly connection: PgConnection,
    private readonly topologyAdmin: DeclaredTopology,
    private readonly dispatcher: MessageDispatcher,
    private readonly metrics: MetricsService,
    private readonly maintenance: PgQueueMaintenance,
    private readonly topology: Topology,
  ) {
    super();
  }

  async start(running: RunningConsumer, instance: string, handlers: HandlerRegistry) {
    if (!(await declareConsumerQueues(running, instance, this.topologyAdmin, this.connection))) {
      return;
    }
    const main = running.queues!.main;
    const reader = new QueueReader(
      this,
      running,
      handlers,
      prefetchOf(running.component, this.config),
    );
    this.readers.set(running, reader);
    this.maintenance.keepAlive(main.name);
    reader.start();
    running.state = 'consuming';
    running.problem = undefined;
    this.log.log(`consuming ${main.name} as ${running.tag}`);
  }

  async stop(running: RunningConsumer): Promise<void> {
    running.state = 'stopped';
    await this.readers.get(running)?.stop();
    await Promise.allSettled([...running.inFlight]);
    const main = running.queues?.main;
    if (main?.exclusive) await this.maintenance.release(main.name);
  }

  status(running: RunningConsumer): ConsumerStatus {
    const active = running.state === 'consuming' && this.connection.isConnected;
    this.noteActivity(running);
    const problem = active
      ? undefined
      : (running.problem ??
        (running.state === 'waiting'
          ? `consumer ${running.key} is waiting for ${running.queues ? 'PostgreSQL' : 'its queue to be bound'}`
          : `consumer ${running.tag ?? running.key} on ${running.queues?.main.name ?? '?'} is not active`));
    return {
      component: running.key,
      queue: running.queues?.main.name,
      tag: running.tag,
      active,
      ...(active ? {} : { problem }),
    };
  }

  noteActivity(running: RunningConsumer): void {
    const active = running.state === 'consuming' && this.connection.isConnected;
    const shouldRun = running.queues !== undefined && running.state !== 'stopped';
    if (active || !shouldRun || !this.connection.isConnected) running.inactiveSince = undefined;
    else running.inactiveSince ??= Date.now();
  }

  async watch(): Promise<void> {
    await this.maintenance.runIfDue();
  }

  /** Handles one taken message: dispatch, then ack, retry or dead-letter it. */
  async handle(
    running: RunningConsumer,
    row: MessageRow,
    handlers: HandlerRegistry,
    wakeAfter: (ms: number) => void,
  ): Promise<void> {
    const queues = running.queues!;
    const decoded = decodeDelivery(row.body, running.key, (type) =>
      handlers.handlerFor(running.component, type),
    );
    if (!decoded.ok) {
      return this.deadLetter(queues, running.tag!, row, decoded.reason, decoded.error, 0);
    }
    const { envelope, handler } = decoded;
    const death = deathOf(row.properties.headers);
    const delivery: DeliveryInfo = {
      queue: queues.main.name,
      consumerTag: running.tag!,
      redelivered: row.deliveries > 1,
      deathReason: death.reason,
      deathQueue: death.queue,
    };
    const outcome = await this.dispatcher.dispatch(
      envelope,
      handler,
      delivery,
      queues.retries.length,
    );
    if (outcome.kind === 'handled') return this.acks.add(row.id);
    if (outcome.kind === 'retry') {
      const rung = queues.retries[outcome.attempt - 1];
      const delayMs = Number(rung.arguments['x-message-ttl']);
      this.log.warn(
        `${envelope.message_type} ${envelope.message_id} failed on ${queues.main.name} (${outcome.error}); retry ${outcome.attempt} in ${delayMs} ms`,
      );
      const next = { ...envelope, headers: { ...envelope.headers, retry_count: outcome.attempt } };
      const headers = retryHeaders(origin(row), outcome.attempt, outcome.error);
      await this.connection.queryRelaxed(RETRY_SQL, [
        row.id,
        Buffer.from(JSON.stringify(next)),
        JSON.stringify({ ...row.properties, headers }),
        delayMs,
      ]);
      this.metrics.retried.inc({ queue: this.topology.queueMetricLabel(queues.main.name) });
      wakeAfter(delayMs);
      return;
    }
    return this.deadLetter(
      queues,
      running.tag!,
      row,
      outcome.reason,
      outcome.error,
      envelope.headers.retry_count ?? 0,
    );
  }

  private async deadLetter(
    queues: ConsumerQueues,
    consumerTag: string,
    row: MessageRow,
    reason: DeadLetterReason,
    error: string,
    retryCount: number,
  ): Promise<void> {
    this.log.error(
      `dead-lettering a message from ${queues.main.name} to ${queues.deadLetter.name}: ${reason}: ${error}`,
    );
    const headers = deadLetterHeaders(origin(row), {
      reason,
      error,
      retryCount,
      sourceQueue: queues.main.name,
      consumerTag,
    });
    await this.connection.queryRelaxed(DEAD_LETTER_SQL, [
      row.id,
      queues.deadLetter.name,
      JSON.stringify({ ...row.properties, headers }),
    ]);
    this.metrics.deadLettered.inc({
      queue: this.topology.queueMetricLabel(queues.main.name),
      reason,
    });
  }

  take(queue: string, limit: number): Promise<MessageRow[]> {
    return this.connection.queryRelaxed<MessageRow>(TAKE_SQL, [queue, limit, LEASE_S]);
  }

  async renewLeases(ids: string[]): Promise<void> {
    await this.connection.queryRelaxed(
      'UPDATE mq_message SET visible_at = now() + make_interval(secs => $2) WHERE id = ANY($1::bigint[])',
      [ids, LEASE_S],
    );
  }

  onMessage(queue: string, waker: () => void): () => void {
    return this.connection.onMessage(queue, waker);
  }
}

const origin = (row: MessageRow) =>
  withOrigin(row.properties.headers ?? {}, row.exchange, row.routing_key);

/**
 * One consumer's loop over its queue: one take at a time (a wake-up during a take asks for
 * another), never more than `prefetch` messages in hand.
 */
class QueueReader {
  private readonly logger = new Logger('Consumers');
  private readonly inHand = new Set<string>();
  private taking = false;
  private again = false;
  private stopped = false;
  /** The last take filled the room: more may be waiting once a message is done. */
  private full = false;
  private unsubscribe?: () => void;
  private safetyPass?: NodeJS.Timeout;
  private leaseRenewal?: NodeJS.Timeout;

  constructor(
    private readonly consumers: PgConsumers,
    private readonly running: RunningConsumer,
    private readonly handlers: HandlerRegistry,
    private readonly prefetch: number,
  ) {}

  start(): void {
    const queue = this.running.queues!.main.name;
    this.unsubscribe = this.consumers.onMessage(queue, () => this.wake());
    this.safetyPass = setInterval(() => this.wake(), SAFETY_PASS_MS);
    this.safetyPass.unref();
    this.leaseRenewal = setInterval(() => void this.renew(), (LEASE_S * 1000) / 3);
    this.leaseRenewal.unref();
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    clearInterval(this.safetyPass);
    clearInterval(this.leaseRenewal);
  }

  wake(): void {
    if (this.stopped) return;
    if (this.taking) {
      this.again = true;
      return;
    }
    void this.takeWhileRoom();
  }

  private async takeWhileRoom(): Promise<void> {
    this.taking = true;
    try {
      do {
        this.again = false;
        const room = this.prefetch - this.inHand.size;
        if (room <= 0) {
          this.full = true;
          break;
        }
        const rows = await this.consumers.take(this.running.queues!.main.name, room);
        rows.sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)));
        this.full = rows.length === room;
        if (this.full) this.again = true;
        for (const row of rows) this.dispatch(row);
      } while (this.again && !this.stopped);
    } catch (error) {
      // PostgreSQL away: the safety pass tries again; nothing was taken.
      this.logger.warn(`${this.running.tag}: could not take messages: ${(error as Error).message}`);
    } finally {
      this.taking = false;
    }
  }

  private dispatch(row: MessageRow): void {
    this.inHand.add(row.id);
    const work = this.consumers
      .handle(this.running, row, this.handlers, (ms) => {
        setTimeout(() => this.wake(), ms).unref();
      })
      .catch((error: Error) => {
        // Acking, retrying or parking it failed (the database went away): its lease runs out
        // and it is delivered again; handlers are idempotent.
        this.logger.warn(
          `${this.running.tag}: message ${row.id} left to its lease (${error.message})`,
        );
      })
      .finally(() => {
        this.inHand.delete(row.id);
        this.running.inFlight.delete(work);
        // Refill in batches, not one take per finished message.
        if (this.full && this.inHand.size <= this.prefetch / 2) this.wake();
      });
    this.running.inFlight.add(work);
  }

  private async renew(): Promise<void> {
    if (this.inHand.size === 0) return;
    await this.consumers.renewLeases([...this.inHand]).catch(() => {});
  }
}
