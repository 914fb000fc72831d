import type { Envelope, MessageType, PayloadOf } from '../domain/messages';
import type { ConsumerComponent } from './consumer-components';
import type { QueueSpec } from './topology';
import type { TopologyReport } from './topology-report';

/** A publish the broker did not confirm: nacked, returned as unroutable, or timed out. */
export class PublishError extends Error {}
/** A dead-letter queue name this deployment does not have. */
export class UnknownDeadLetterQueueError extends Error {}
/** A dead-letter queue whose messages have no single queue to go back to. */
export class NotReplayableError extends Error {}

export interface PublishOptions {
  /** Defaults to the correlation id of the message or request being handled, else a new one. */
  correlationId?: string;
  /** Send to this worker's queue instead of the message type's default route. */
  workerId?: string;
  /** Per-message TTL (the message dead-letters when it waits longer). */
  expirationMs?: number;
}

/**
 * The transport-neutral interface roles publish through: ./rabbitmq and ./postgres implement it
 * (MQ_TRANSPORT picks one).
 */
export abstract class MessagePublisher {
  /** Resolves once the broker has the message; rejects on nack, unroutable return or timeout. */
  abstract publish<T extends MessageType>(
    type: T,
    payload: PayloadOf<T>,
    options?: PublishOptions,
  ): Promise<Envelope<PayloadOf<T>>>;
}

export interface DeadLetterQueueInfo {
  queue: string;
  /** The queue replay sends messages back to. */
  source: string | undefined;
  messages: number;
}

export interface DeadLetterMessage {
  message_id: string | undefined;
  message_type: string | undefined;
  correlation_id: string | undefined;
  reason: string | undefined;
  error: string | undefined;
  retry_count: number | undefined;
  original_exchange: string | undefined;
  original_routing_key: string | undefined;
  failed_at: string | undefined;
  /** Parsed JSON body, or the raw text when it is not JSON. */
  body: unknown;
}

/** Operator view of dead letters: counts, peek without consuming, and replay with a limit. */
export abstract class DeadLetterAdmin {
  abstract list(): Promise<DeadLetterQueueInfo[]>;
  abstract peek(queue: string, limit: number): Promise<DeadLetterMessage[]>;
  abstract replay(queue: string, limit: number): Promise<{ replayed: number; remaining: number }>;
}

/** How much work waits in the transport, for backpressure. */
export abstract class QueueDepths {
  /** Events published and not yet taken by an enforcement processor. */
  abstract eventsWaiting(): Promise<number>;
}

/** Declare and verify the topology a process needs; used at start, on reconnect and by the CLI. */
export abstract class TopologyAdmin {
  abstract apply(): Promise<TopologyReport>;
  abstract verify(): Promise<TopologyReport>;
  /** Adds queues known only at run time (a worker's own queue, a notifier's) and declares them. */
  abstract require(queues: QueueSpec[]): Promise<TopologyReport>;
  /** Declares everything now and after every reconnect, retrying until it goes through. */
  abstract startDeclaring(): void;
  /** The last declaration's report (readiness), undefined before the first. */
  abstract get report(): TopologyReport | undefined;
  /** Which of `names` do not exist right now. */
  abstract missingQueues(names: string[]): Promise<string[]>;
}

export type TransportKind = 'rabbitmq' | 'postgres';

/**
 * The transport's connection as the rest of the process sees it: RabbitMQ's managed
 * connection, or PostgreSQL's listening connection. Never blocks start-up; reconnects by itself.
 */
export abstract class TransportConnection {
  abstract readonly kind: TransportKind;
  /** Where it connects, without credentials. */
  abstract readonly address: string;
  abstract get isConnected(): boolean;
  abstract get notConnectedReason(): string | undefined;
  /** Starts connecting in the background (returns without waiting for the connection). */
  abstract start(): Promise<void> | void;
  /** Runs `listener` after every (re)connect, and now if already connected. */
  abstract onConnect(listener: () => void): void;
  abstract whenConnected(): Promise<void>;
}

export interface ConsumerStatus {
  component: string;
  queue?: string;
  tag?: string;
  active: boolean;
  problem?: string;
}

/** What roles may do with their consumers besides handling messages. */
export abstract class ConsumerControl {
  /** Starts a component whose instance (and queue) is known only now, e.g. a registered worker. */
  abstract bindInstance(component: ConsumerComponent, instance: string): void;
  /** Stops taking new messages for a component and waits for those in hand. */
  abstract stopConsuming(component: ConsumerComponent): Promise<void>;
  abstract consumerStatus(): ConsumerStatus[];
}
