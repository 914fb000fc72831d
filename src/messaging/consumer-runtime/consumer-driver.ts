import type { ConsumerComponent } from '../consumer-components';
import { componentKey } from '../consumer-components';
import type { ConsumerStatus, TransportConnection } from '../messaging.port';
import type { DeclaredTopology } from '../declared-topology';
import type { ConsumerQueues } from '../topology';
import type { HandlerRegistry } from './handler-registry';

export type ConsumerState = 'waiting' | 'starting' | 'consuming' | 'conflict' | 'stopped';

/** One consumer component of this process and where it stands. */
export interface RunningConsumer {
  component: ConsumerComponent;
  key: string;
  queues?: ConsumerQueues;
  tag?: string;
  state: ConsumerState;
  problem?: string;
  inFlight: Set<Promise<void>>;
  /** The transport took the consumer away (RabbitMQ cancels it when its queue is deleted). */
  cancelledByBroker: boolean;
  /** Since when it should run but does not while the transport is connected (for liveness). */
  inactiveSince?: number;
}

/** A consumer not started yet. */
export function waitingConsumer(component: ConsumerComponent): RunningConsumer {
  return {
    component,
    key: componentKey(component),
    state: 'waiting',
    inFlight: new Set(),
    cancelledByBroker: false,
  };
}

/**
 * The transport's half of a consumer: take messages from the component's queue, hand each to
 * the dispatcher, and ack, retry or dead-letter it as the dispatcher decides. The transport
 * server (transport.server.ts) runs one per component through this interface.
 */
export abstract class ConsumerDriver {
  /** Declares the component's queues and starts consuming its main queue as `<key>.<instance>`. */
  abstract start(
    running: RunningConsumer,
    instance: string,
    handlers: HandlerRegistry,
  ): Promise<void>;
  /** Stops taking messages and waits for those in hand. */
  abstract stop(running: RunningConsumer): Promise<void>;
  abstract status(running: RunningConsumer): ConsumerStatus;
  /** Keeps `inactiveSince` up to date (liveness). */
  abstract noteActivity(running: RunningConsumer): void;
  /** Called every couple of seconds: bring back what the transport took away. */
  abstract watch(): Promise<void>;
}

/**
 * What every driver does before it consumes: name the consumer `<key>.<instance>`, wait for the
 * transport, declare its queues, and refuse a main queue declared otherwise (consuming one with
 * another dead-letter route, say, could lose messages). False when it must not consume.
 */
export async function declareConsumerQueues(
  running: RunningConsumer,
  instance: string,
  topologyAdmin: DeclaredTopology,
  connection: TransportConnection,
): Promise<boolean> {
  running.queues = running.component.queues(topologyAdmin.topology, instance);
  running.tag = `${running.key}.${instance}`;
  const { main, retries, deadLetter } = running.queues;
  await connection.whenConnected();
  running.state = 'starting';
  const report = await topologyAdmin.require([main, ...retries, deadLetter]);
  const conflict = report.conflicts.find((c) => c.name === main.name);
  if (!conflict) return true;
  running.state = 'conflict';
  running.problem = conflict.message;
  return false;
}
