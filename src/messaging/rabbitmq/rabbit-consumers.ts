import { Injectable, Logger } from '@nestjs/common';
import type { Channel, ConsumeMessage } from 'amqplib';
import {
  ConsumerDriver,
  declareConsumerQueues,
  RunningConsumer,
} from '../consumer-runtime/consumer-driver';
import { decodeDelivery } from '../consumer-runtime/delivery-decoder';
import { deathOf } from '../consumer-runtime/failure-headers';
import { HandlerRegistry } from '../consumer-runtime/handler-registry';
import { MessageDispatcher } from '../consumer-runtime/message-dispatcher';
import { DeliveryInfo } from '../message-context';
import { ConsumerStatus } from '../messaging.port';
import { BrokerConnection } from './broker-connection';
import { RabbitFailureRouter } from './rabbit-failure-router';
import { DeclaredTopology } from '../declared-topology';

/**
 * The RabbitMQ half of the consumer runtime: one consumer per component on golevelup's managed
 * connection (createSubscriber), acks and nacks, retry and dead-letter publishes, and noticing
 * channels that close and consumers the broker cancels. Decoding, dispatch and the retry
 * decision are transport-neutral (../consumer-runtime).
 */
@Injectable()
export class RabbitConsumers extends ConsumerDriver {
  private readonly log = new Logger('Consumers');
  private readonly closedChannels = new WeakSet<Channel>();
  private readonly watchedChannels = new WeakSet<Channel>();
  /** Every consumer started here: one channel may carry several (the broker cancels by tag). */
  private readonly started = new Set<RunningConsumer>();

  constructor(
    private readonly broker: BrokerConnection,
    private readonly topologyAdmin: DeclaredTopology,
    private readonly dispatcher: MessageDispatcher,
    private readonly failures: RabbitFailureRouter,
  ) {
    super();
  }

  /** Declares the component's queues and consumes its main queue as `<component>.<instance>`. */
  async start(
    running: RunningConsumer,
    instance: string,
    handlers: HandlerRegistry,
  ): Promise<void> {
    const { component } = running;
    this.started.add(running);
    if (!(await declareConsumerQueues(running, instance, this.topologyAdmin, this.broker))) return;
    const { main } = running.queues!;

    await this.broker.amqp.createSubscriber(
      (_content: Buffer | undefined, msg?: ConsumeMessage) =>
        this.onDelivery(running, msg!, handlers),
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
        // Decoding happens in onDelivery, where bad JSON can be dead-lettered with its reason.
        deserializer: (content: Buffer) => content,
        errorHandler: (channel: Channel, msg: ConsumeMessage, error: unknown) =>
          this.handBack(running, channel, msg, error),
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

  /**
   * Reached when acking a handled message failed, or retrying or dead-lettering it did. On a
   * channel that is gone nothing is done: the broker redelivers what was not acked, and handlers
   * are idempotent. Otherwise the message goes back to the queue, after a pause. Never throws:
   * nobody awaits this (an error here used to end the process).
   */
  private async handBack(
    running: RunningConsumer,
    channel: Channel,
    msg: ConsumeMessage,
    error: unknown,
  ): Promise<void> {
    if (this.closedChannels.has(channel) || isChannelClosedError(error)) {
      this.log.warn(
        `${running.tag}: channel lost with a message in hand; the broker redelivers it`,
      );
      return;
    }
    this.log.error(
      `${running.tag}: could not route a failed message (${String(error)}); requeueing`,
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    try {
      if (!this.closedChannels.has(channel)) channel.nack(msg, false, true);
    } catch {
      // The channel closed meanwhile: the broker redelivers.
    }
  }

  /** Stops taking messages and waits for those in hand. */
  async stop(running: RunningConsumer): Promise<void> {
    if (running.state === 'consuming' && running.tag && this.isActive(running)) {
      await this.broker.amqp.cancelConsumer(running.tag).catch(() => {});
    }
    running.state = 'stopped';
    await Promise.allSettled([...running.inFlight]);
  }

  status(running: RunningConsumer): ConsumerStatus {
    const active = running.state === 'consuming' && this.isActive(running);
    this.noteActivity(running, active);
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
  }

  /**
   * A consumer the broker cancelled comes back once its queue exists again (re-created by
   * `attune topology apply` or a restart of a peer). Reconnecting re-runs every consumer setup.
   */
  async watch(): Promise<void> {
    const cancelled = [...this.started].filter(
      (r) => r.cancelledByBroker && r.state === 'consuming',
    );
    if (cancelled.length === 0 || !this.broker.isConnected) return;
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

  /**
   * Keeps when a consumer stopped running while the broker was there to run it: a broker outage
   * does not count (restarting would not help), nor a worker queue not bound yet.
   */
  noteActivity(running: RunningConsumer, active = this.isActive(running)): void {
    const shouldRun = running.queues !== undefined && running.state !== 'stopped';
    if (active || !shouldRun || !this.broker.isConnected) running.inactiveSince = undefined;
    else running.inactiveSince ??= Date.now();
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
      for (const consumer of this.started) {
        if (consumer.tag !== consumerTag) continue;
        consumer.cancelledByBroker = true;
        this.log.error(
          `consumer ${consumerTag} was cancelled by the broker (queue ${consumer.queues?.main.name} deleted?)`,
        );
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

  private onDelivery(
    running: RunningConsumer,
    msg: ConsumeMessage,
    handlers: HandlerRegistry,
  ): Promise<void> {
    const work = this.handle(running, msg, handlers);
    running.inFlight.add(work);
    return work.finally(() => running.inFlight.delete(work));
  }

  private async handle(
    running: RunningConsumer,
    msg: ConsumeMessage,
    handlers: HandlerRegistry,
  ): Promise<void> {
    if (running.state === 'stopped') {
      throw new Error('consumer stopped'); // errorHandler requeues it for another replica
    }
    const queues = running.queues!;
    const decoded = decodeDelivery(msg.content, running.key, (type) =>
      handlers.handlerFor(running.component, type),
    );
    if (!decoded.ok) {
      return this.failures.deadLetter(queues, running.tag!, msg, decoded.reason, decoded.error, 0);
    }
    const { envelope, handler } = decoded;
    const death = deathOf(msg.properties.headers);
    const delivery: DeliveryInfo = {
      queue: queues.main.name,
      consumerTag: running.tag!,
      redelivered: msg.fields.redelivered,
      deathReason: death.reason,
      deathQueue: death.queue,
    };
    const outcome = await this.dispatcher.dispatch(
      envelope,
      handler,
      delivery,
      queues.retries.length,
    );
    if (outcome.kind === 'retry') {
      return this.failures.retry(queues, msg, envelope, outcome.attempt, outcome.error);
    }
    if (outcome.kind === 'dead-letter') {
      const retries = envelope.headers.retry_count ?? 0;
      return this.failures.deadLetter(
        queues,
        running.tag!,
        msg,
        outcome.reason,
        outcome.error,
        retries,
      );
    }
  }
}

/** amqplib's error for an operation on a channel (or connection) that has closed. */
function isChannelClosedError(error: unknown): boolean {
  const e = error as { name?: string; message?: string } | undefined;
  return (
    e?.name === 'IllegalOperationError' ||
    /channel (is )?closed|connection closed/i.test(e?.message ?? '')
  );
}
