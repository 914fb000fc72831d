import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationShutdown,
} from '@nestjs/common';
import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import type { Channel, ConsumeMessage } from 'amqplib';
import { isObservable, lastValueFrom } from 'rxjs';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { envelopeProblem, isMessageType, payloadProblem } from '../../domain/messages';
import type { Envelope, MessageType } from '../../domain/messages';
import { runWithCorrelation } from '../../logging/correlation';
import { MetricsService } from '../../metrics/metrics.service';
import {
  CONSUMER_COMPONENTS,
  ConsumerComponent,
  componentKey,
  handlerPattern,
  parseHandlerPattern,
} from '../consumer-components';
import { DeliveryInfo, MessageContext, UnprocessableMessageError } from '../message-context';
import { ConsumerQueues } from '../topology';
import { ConsumerControl, ConsumerStatus } from '../messaging.port';
import { BrokerConnection } from './broker-connection';
import { RabbitPublisher } from './rabbit-publisher';
import { RabbitTopologyAdmin } from './rabbit-topology-admin';

type ConsumerState = 'waiting' | 'starting' | 'consuming' | 'conflict' | 'stopped';

interface RunningConsumer {
  component: ConsumerComponent;
  key: string;
  queues?: ConsumerQueues;
  tag?: string;
  state: ConsumerState;
  problem?: string;
  inFlight: Set<Promise<void>>;
  cancelledByBroker: boolean;
}

const WATCHDOG_INTERVAL_MS = 2000;

/**
 * The Attune transport: a @nestjs/microservices custom strategy whose handlers are the
 * @OnMessage methods of the role modules. It runs one consumer per component on golevelup's
 * managed connection (createSubscriber), validates envelopes and payloads, and owns the
 * retry ladder and dead-lettering.
 */
@Injectable()
export class AttuneTransportServer
  extends Server
  implements
    CustomTransportStrategy,
    ConsumerControl,
    BeforeApplicationShutdown,
    OnApplicationShutdown
{
  private readonly log = new Logger('Consumers');
  private readonly consumers = new Map<string, RunningConsumer>();
  private readonly runtimeInstances = new Map<
    string,
    { promise: Promise<string>; resolve: (instance: string) => void }
  >();
  private readonly closedChannels = new WeakSet<Channel>();
  private readonly watchedChannels = new WeakSet<Channel>();
  private watchdog?: NodeJS.Timeout;
  private stopping = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly broker: BrokerConnection,
    private readonly topologyAdmin: RabbitTopologyAdmin,
    private readonly publisher: RabbitPublisher,
    private readonly metrics: MetricsService,
    @Inject(CONSUMER_COMPONENTS) private readonly components: ConsumerComponent[],
  ) {
    super();
  }

  // --- CustomTransportStrategy -------------------------------------------------------------

  listen(callback: () => void): void {
    // Never block start-up on the broker: HTTP and /health must come up while it is away.
    callback();
    this.topologyAdmin.startDeclaring();
    for (const component of this.componentsWithHandlers()) {
      const running: RunningConsumer = {
        component,
        key: componentKey(component),
        state: 'waiting',
        inFlight: new Set(),
        cancelledByBroker: false,
      };
      this.consumers.set(running.key, running);
      void this.start(running).catch((error: Error) => {
        running.problem = `consumer ${running.key} failed to start: ${error.message}`;
        this.log.error(running.problem);
      });
    }
    this.watchdog = setInterval(() => void this.resumeCancelledConsumers(), WATCHDOG_INTERVAL_MS);
    this.watchdog.unref();
  }

  on(): void {
    // No transport-level events to subscribe to.
  }

  unwrap<T>(): T {
    return this.broker.amqp as T;
  }

  async close(): Promise<void> {
    await this.stopAll();
  }

  // --- What role modules and health use ----------------------------------------------------

  bindInstance(component: ConsumerComponent, instance: string): void {
    this.runtimeSlot(componentKey(component)).resolve(instance);
  }

  /** Stops taking new messages for a component and waits for the ones in hand. */
  async stopConsuming(component: ConsumerComponent): Promise<void> {
    const running = this.consumers.get(componentKey(component));
    if (running) await this.stop(running);
  }

  consumerStatus(): ConsumerStatus[] {
    return [...this.consumers.values()].map((running) => {
      const active = running.state === 'consuming' && this.isActive(running);
      let problem = running.problem;
      if (!active && !problem) {
        problem =
          running.state === 'waiting'
            ? `consumer ${running.key} is waiting for ${running.queues ? 'the broker' : 'its queue to be bound'}`
            : running.cancelledByBroker
              ? `consumer ${running.tag} was cancelled by the broker (queue ${running.queues?.main.name} deleted?)`
              : `consumer ${running.tag ?? running.key} on ${running.queues?.main.name ?? '?'} is not active`;
      }
      return {
        component: running.key,
        queue: running.queues?.main.name,
        tag: running.tag,
        active,
        ...(active ? {} : { problem }),
      };
    });
  }

  /** The queues this process consumes from (for readiness). */
  consumedQueues(): string[] {
    return [...this.consumers.values()].flatMap((r) => (r.queues ? [r.queues.main.name] : []));
  }

  // --- Consumer life cycle ----------------------------------------------------------------

  /** Handlers by pattern, looked up once: Nest's lookup normalises the pattern on every call. */
  private readonly handlerCache = new Map<string, MessageHandler | null>();

  private handlerFor(component: ConsumerComponent, type: string): MessageHandler | null {
    const pattern = handlerPattern(component, type as MessageType);
    let handler = this.handlerCache.get(pattern);
    if (handler === undefined) {
      handler = this.getHandlerByPattern(pattern);
      this.handlerCache.set(pattern, handler);
    }
    return handler;
  }

  private componentsWithHandlers(): ConsumerComponent[] {
    const keys = new Set(
      [...this.getHandlers().keys()].map((p) => parseHandlerPattern(p).component),
    );
    return this.components.filter((component) => keys.has(componentKey(component)));
  }

  private runtimeSlot(key: string) {
    let slot = this.runtimeInstances.get(key);
    if (!slot) {
      let resolve!: (instance: string) => void;
      const promise = new Promise<string>((r) => (resolve = r));
      slot = { promise, resolve };
      this.runtimeInstances.set(key, slot);
    }
    return slot;
  }

  private async start(running: RunningConsumer): Promise<void> {
    const { component } = running;
    const instance = component.instanceBoundAtRunTime
      ? await this.runtimeSlot(running.key).promise
      : this.config.instanceId;
    running.queues = component.queues(this.topologyAdmin.topology, instance);
    running.tag = `${running.key}.${instance}`;
    if (this.stopping) return;
    const { main, retries, deadLetter } = running.queues;

    await this.broker.whenConnected();
    running.state = 'starting';
    const report = await this.topologyAdmin.require([main, ...retries, deadLetter]);
    const conflict = report.conflicts.find((c) => c.name === main.name);
    if (conflict) {
      // Consuming a queue declared differently (another DLX, say) could lose messages.
      running.state = 'conflict';
      running.problem = conflict.message;
      return;
    }

    await this.broker.amqp.createSubscriber(
      (_content: Buffer | undefined, msg?: ConsumeMessage) => this.onDelivery(running, msg!),
      {
        queue: main.name,
        queueOptions: {
          durable: main.durable,
          exclusive: main.exclusive,
          autoDelete: main.autoDelete,
          arguments: main.arguments,
          channel: component.channel,
          consumerOptions: { consumerTag: running.tag },
        },
        bindings: main.bindings,
        // Parsing happens in onDelivery, where bad JSON can be dead-lettered with its reason.
        deserializer: (content: Buffer) => content,
        errorHandler: async (channel: Channel, msg: ConsumeMessage, error: unknown) => {
          // Only reached when retrying or dead-lettering itself failed: hand the message back.
          this.log.error(
            `${running.tag}: could not route a failed message (${String(error)}); requeueing`,
          );
          await new Promise((resolve) => setTimeout(resolve, 1000));
          channel.nack(msg, false, true);
        },
      },
      running.key,
    );
    running.state = 'consuming';
    running.problem = undefined;
    this.watchChannel(running);
    const wrapper = this.broker.amqp.managedChannels[component.channel ?? 'AmqpConnection'];
    wrapper?.on('connect', () => this.watchChannel(running));
    this.log.log(`consuming ${main.name} as ${running.tag}`);
  }

  private async stop(running: RunningConsumer): Promise<void> {
    if (running.state === 'consuming' && running.tag && this.isActive(running)) {
      await this.broker.amqp.cancelConsumer(running.tag).catch(() => {});
    }
    running.state = 'stopped';
    await Promise.allSettled([...running.inFlight]);
  }

  private async stopAll(): Promise<void> {
    this.stopping = true;
    if (this.watchdog) clearInterval(this.watchdog);
    await Promise.all([...this.consumers.values()].map((running) => this.stop(running)));
  }

  /** Notices channel closes and broker-side cancels (the queue was deleted). */
  private watchChannel(running: RunningConsumer): void {
    const channel = this.channelOf(running);
    if (!channel) return;
    running.cancelledByBroker = false;
    if (this.watchedChannels.has(channel)) return;
    this.watchedChannels.add(channel);
    channel.on('close', () => this.closedChannels.add(channel));
    channel.on('cancel', ({ consumerTag }: { consumerTag: string }) => {
      for (const r of this.consumers.values()) {
        if (r.tag === consumerTag) {
          r.cancelledByBroker = true;
          this.log.error(
            `consumer ${consumerTag} was cancelled by the broker (queue ${r.queues?.main.name} deleted?)`,
          );
        }
      }
    });
  }

  private channelOf(running: RunningConsumer): Channel | undefined {
    if (!running.tag) return undefined;
    // golevelup keeps the channel each consumer currently lives on, but only privately.
    const amqp = this.broker.amqp as unknown as {
      getConsumer(tag: string): { channel?: Channel } | undefined;
    };
    return amqp.getConsumer(running.tag)?.channel;
  }

  private isActive(running: RunningConsumer): boolean {
    if (!this.broker.isConnected || running.cancelledByBroker) return false;
    const channel = this.channelOf(running) as
      (Channel & { consumers?: Map<string, unknown> }) | undefined;
    if (!channel || this.closedChannels.has(channel)) return false;
    return channel.consumers?.has(running.tag!) ?? true;
  }

  /**
   * A consumer the broker cancelled comes back once its queue exists again (re-created by
   * `attune topology apply` or a restart of a peer). Reconnecting re-runs every consumer setup.
   */
  private async resumeCancelledConsumers(): Promise<void> {
    const cancelled = [...this.consumers.values()].filter(
      (r) => r.cancelledByBroker && r.state === 'consuming',
    );
    if (cancelled.length === 0 || !this.broker.isConnected || this.stopping) return;
    try {
      const missing = await this.topologyAdmin.missingQueues(
        cancelled.map((r) => r.queues!.main.name),
      );
      if (cancelled.some((r) => !missing.includes(r.queues!.main.name))) {
        this.log.warn("a cancelled consumer's queue exists again; reconnecting to resume it");
        this.broker.amqp.managedConnection.reconnect();
      }
    } catch {
      // Broker trouble: the next tick tries again.
    }
  }

  // --- Delivery handling ------------------------------------------------------------------

  private onDelivery(running: RunningConsumer, msg: ConsumeMessage): Promise<void> {
    const work = this.handleDelivery(running, msg);
    running.inFlight.add(work);
    return work.finally(() => running.inFlight.delete(work));
  }

  private async handleDelivery(running: RunningConsumer, msg: ConsumeMessage): Promise<void> {
    if (running.state === 'stopped') {
      throw new Error('consumer stopped'); // errorHandler requeues it for another replica
    }

    let raw: unknown;
    try {
      raw = JSON.parse(msg.content.toString('utf8'));
    } catch (error) {
      return this.deadLetter(
        running,
        msg,
        'invalid-json',
        `body is not JSON: ${(error as Error).message}`,
      );
    }
    const malformed = envelopeProblem(raw);
    if (malformed) {
      return this.deadLetter(
        running,
        msg,
        'invalid-envelope',
        `not an Attune envelope: ${malformed}`,
      );
    }
    const envelope = raw as Envelope;
    const type = envelope.message_type;
    if (!isMessageType(type)) {
      return this.deadLetter(running, msg, 'unknown-type', `unknown message type '${type}'`);
    }
    const handler = this.handlerFor(running.component, type);
    if (!handler) {
      return this.deadLetter(
        running,
        msg,
        'unknown-type',
        `${running.key} does not handle ${type} messages`,
      );
    }
    const problem = payloadProblem(type, envelope.payload);
    if (problem) {
      return this.deadLetter(
        running,
        msg,
        'invalid-payload',
        `invalid ${type} payload: ${problem}`,
      );
    }

    const scope = {
      correlationId: envelope.correlation_id,
      causationId: envelope.message_id,
      traceId: String(envelope.headers.trace_id ?? ''),
    };
    return runWithCorrelation(scope, () => this.dispatch(running, msg, envelope, handler));
  }

  private async dispatch(
    running: RunningConsumer,
    msg: ConsumeMessage,
    envelope: Envelope,
    handler: MessageHandler,
  ): Promise<void> {
    const queues = running.queues!;
    const queue = queues.main.name;
    const type = envelope.message_type;
    this.metrics.consumed.inc({ queue, type });
    const endTimer = this.metrics.handlerDuration.startTimer({ queue, type });
    const death = originalDeath(msg);
    const delivery: DeliveryInfo = {
      queue,
      consumerTag: running.tag!,
      redelivered: msg.fields.redelivered,
      deathReason:
        death?.reason ?? (msg.properties.headers?.['x-dead-letter-reason'] as string | undefined),
      deathQueue: death?.queue,
    };
    try {
      const result = await handler(envelope.payload, new MessageContext([envelope, delivery]));
      if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
      this.metrics.acked.inc({ queue });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof UnprocessableMessageError) {
        return this.deadLetter(running, msg, 'unprocessable', message, envelope);
      }
      const retryCount = envelope.headers.retry_count ?? 0;
      if (retryCount < queues.retries.length) {
        return this.retry(running, msg, envelope, retryCount + 1, message);
      }
      return this.deadLetter(running, msg, 'retries-exhausted', message, envelope);
    } finally {
      endTimer();
    }
  }

  private async retry(
    running: RunningConsumer,
    msg: ConsumeMessage,
    envelope: Envelope,
    attempt: number,
    error: string,
  ): Promise<void> {
    const retryQueue = running.queues!.retries[attempt - 1];
    this.log.warn(
      `${envelope.message_type} ${envelope.message_id} failed on ${running.queues!.main.name} (${error}); retry ${attempt} via ${retryQueue.name}`,
    );
    const next = { ...envelope, headers: { ...envelope.headers, retry_count: attempt } };
    await this.publisher.publishRaw({
      exchange: '',
      routingKey: retryQueue.name,
      mandatory: true,
      content: Buffer.from(JSON.stringify(next)),
      properties: {
        ...passThroughProperties(msg),
        headers: {
          ...originHeaders(msg),
          'x-retry-count': attempt,
          'x-last-error': truncate(error),
        },
      },
    });
    this.metrics.retried.inc({ queue: running.queues!.main.name });
  }

  private async deadLetter(
    running: RunningConsumer,
    msg: ConsumeMessage,
    reason: string,
    error: string,
    envelope?: Envelope,
  ): Promise<void> {
    const queues = running.queues!;
    this.log.error(
      `dead-lettering a message from ${queues.main.name} to ${queues.deadLetter.name}: ${reason}: ${error}`,
    );
    await this.publisher.publishRaw({
      exchange: queues.deadLetterRoute.exchange,
      routingKey: queues.deadLetterRoute.routingKey,
      mandatory: true,
      content: msg.content,
      properties: {
        ...passThroughProperties(msg),
        headers: {
          ...originHeaders(msg),
          'x-retry-count': envelope?.headers.retry_count ?? 0,
          'x-dead-letter-reason': reason,
          'x-error': truncate(error),
          'x-source-queue': queues.main.name,
          'x-consumer': running.tag,
          'x-failed-at': new Date().toISOString(),
        },
      },
    });
    this.metrics.deadLettered.inc({ queue: queues.main.name, reason });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stopAll();
  }

  onApplicationShutdown(): void {
    if (this.watchdog) clearInterval(this.watchdog);
  }
}

function passThroughProperties(msg: ConsumeMessage) {
  const p = msg.properties;
  return {
    messageId: p.messageId as string | undefined,
    correlationId: p.correlationId as string | undefined,
    type: p.type as string | undefined,
    timestamp: p.timestamp as number | undefined,
  };
}

/** Keeps where the message first came from across retries and dead-lettering. */
function originHeaders(msg: ConsumeMessage): Record<string, unknown> {
  const headers = { ...(msg.properties.headers ?? {}) };
  headers['x-original-exchange'] ??= msg.fields.exchange;
  headers['x-original-routing-key'] ??= msg.fields.routingKey;
  return headers;
}

/** The x-death entry of the real dead-lettering, skipping expiries from our own retry queues. */
function originalDeath(msg: ConsumeMessage): { reason?: string; queue?: string } | undefined {
  const deaths = msg.properties.headers?.['x-death'] as
    Array<{ reason?: string; queue?: string }> | undefined;
  return deaths?.find((death) => !/\.retry\.\d+$/.test(death.queue ?? ''));
}

function truncate(text: string, max = 2000): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
