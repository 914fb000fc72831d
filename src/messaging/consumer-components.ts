import { applyDecorators, Catch, ExceptionFilter, UseFilters } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { Observable, throwError } from 'rxjs';
import type { RoleName } from '../config/roles';
import type { MessageType } from '../domain/messages';
import type { ConsumerQueues, Topology } from './topology';

/**
 * A consumer component: one role's reader of one queue. Each has its own queue (no two
 * components ever compete for a message); replicas of a component share it.
 */
export interface ConsumerComponent {
  role: RoleName;
  name: string;
  /** The queue set it reads. */
  queues: (topology: Topology, instance: string) => ConsumerQueues;
  /** The message types routed to its queue: each needs exactly one handler (checked at start). */
  handles: MessageType[];
  /** Its instance id (and so its queue) is only known at run time: see bindInstance. */
  instanceBoundAtRunTime?: boolean;
  /** A named channel with its own prefetch (the worker's: at least its capacity). */
  channel?: string;
}

export const CONSUMERS = {
  enforcement: {
    role: 'executor',
    name: 'enforcement',
    queues: (t: Topology) => t.events,
    handles: ['EventCreated'],
  },
  scheduler: {
    role: 'executor',
    name: 'scheduler',
    queues: (t: Topology) => t.executions,
    handles: ['ExecutionRequested'],
  },
  executionManager: {
    role: 'executor',
    name: 'execution-manager',
    queues: (t: Topology) => t.executionStatus,
    handles: ['ExecutionStatusChanged', 'ExecutionCompleted', 'InquiryCreated', 'InquiryResponded'],
  },
  workflowConductor: {
    role: 'executor',
    name: 'workflow-conductor',
    queues: (t: Topology) => t.workflows,
    handles: ['WorkflowAdvanceRequested'],
  },
  deadLetters: {
    role: 'executor',
    name: 'dead-letters',
    queues: (t: Topology) => t.workerDeadLetters,
    // What worker queues dead-letter: what they are sent.
    handles: ['ExecutionRequested', 'ExecutionCancelRequested'],
  },
  /** Its instance is the worker id, known once the worker has registered. */
  workerExecutions: {
    role: 'worker',
    name: 'executions',
    queues: (t: Topology, workerId: string) => t.workerQueue(workerId),
    handles: ['ExecutionRequested', 'ExecutionCancelRequested'],
    instanceBoundAtRunTime: true,
    channel: 'worker',
  },
  notifications: {
    role: 'notifier',
    name: 'notifications',
    queues: (t: Topology, instanceId: string) => t.notifierQueue(instanceId),
    handles: ['NotificationCreated'],
  },
} satisfies Record<string, ConsumerComponent>;

/**
 * Messages a consumer of `component` may hold at once. The worker's deliveries are acked once
 * claimed, so its prefetch bounds claims in flight, not executions running (the executors' slot
 * count does that): at least MQ_PREFETCH, so pure built-ins, which hold no slot, are not
 * throttled to the capacity.
 */
export function prefetchOf(
  component: ConsumerComponent,
  config: { worker: { capacity: number }; messaging: { prefetch: number } },
): number {
  return component.channel === CONSUMERS.workerExecutions.channel
    ? Math.max(config.worker.capacity, config.messaging.prefetch)
    : config.messaging.prefetch;
}

/** What a process needs of messaging, from the role table (src/roles/role-table.ts). */
export interface MessagingNeeds {
  /** The consumer components this process runs. */
  consumers: ConsumerComponent[];
  /** The fixed queue sets it declares: those it consumes and those it publishes into. */
  declares: (topology: Topology) => ConsumerQueues[];
}

/** Injection token of this process's MessagingNeeds. */
export const MESSAGING_NEEDS = Symbol('MESSAGING_NEEDS');

export function componentKey(component: ConsumerComponent): string {
  return `${component.role}.${component.name}`;
}

const SEPARATOR = '|';

export function handlerPattern(component: ConsumerComponent, type: MessageType): string {
  return `${componentKey(component)}${SEPARATOR}${type}`;
}

export function parseHandlerPattern(pattern: string): { component: string; type: string } {
  const [component, type] = pattern.split(SEPARATOR);
  return { component, type };
}

/**
 * Marks a method as the handler of `type` for `component`. Handlers are ordinary
 * @nestjs/microservices event handlers; the Attune transport routes each queue's messages
 * to its component's handlers by message type. A handler that throws is retried.
 */
export const OnMessage = (component: ConsumerComponent, type: MessageType) =>
  applyDecorators(
    EventPattern(handlerPattern(component, type)) as MethodDecorator,
    UseFilters(PassErrorsToTransport),
  );

/**
 * Handlers' errors must reach the transport unchanged (it decides retry or dead letter);
 * Nest's default RPC filter would turn them into a generic "Internal server error".
 */
@Catch()
class PassErrorsToTransport implements ExceptionFilter {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}
