import type { MessageType, PayloadOf } from '../domain/messages';
import { eventRoutingKey, ROUTING_KEYS, Topology, workerRoutingKey } from './topology';

export interface Route {
  exchange: string;
  routingKey: string;
  /** Unroutable messages are returned and the publish rejects; off only where no listener is fine. */
  mandatory: boolean;
}

/** Where a message goes when it is published to a specific worker instead of its default route. */
export interface PublishTarget {
  workerId?: string;
}

/** The single table of where each message type is published. */
export function routeFor<T extends MessageType>(
  topology: Topology,
  type: T,
  payload: PayloadOf<T>,
  target: PublishTarget = {},
): Route {
  const { events, executions, notifications } = topology.exchanges;
  if (target.workerId) {
    return {
      exchange: executions.name,
      routingKey: workerRoutingKey(target.workerId),
      mandatory: true,
    };
  }
  switch (type) {
    case 'EventCreated':
      return {
        exchange: events.name,
        routingKey: eventRoutingKey((payload as PayloadOf<'EventCreated'>).trigger),
        mandatory: true,
      };
    case 'ExecutionRequested':
      return {
        exchange: executions.name,
        routingKey: ROUTING_KEYS.executionRequested,
        mandatory: true,
      };
    case 'ExecutionStatusChanged':
    case 'ExecutionCompleted':
    case 'InquiryCreated':
    case 'InquiryResponded':
      return {
        exchange: executions.name,
        routingKey: ROUTING_KEYS.executionStatus,
        mandatory: true,
      };
    case 'WorkflowAdvanceRequested':
      return {
        exchange: executions.name,
        routingKey: ROUTING_KEYS.workflowAdvance,
        mandatory: true,
      };
    case 'ExecutionCancelRequested':
      throw new Error('ExecutionCancelRequested goes to the worker running it: pass { workerId }');
    case 'NotificationCreated':
      // Live updates only matter to notifiers that are listening right now.
      return { exchange: notifications.name, routingKey: '', mandatory: false };
  }
  throw new Error(`no route for message type ${String(type)}`);
}
