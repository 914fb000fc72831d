import { Type } from '@nestjs/common';
import type { RoleName } from '../config/roles';
import type { MessageType } from '../domain/messages';
import { CONSUMERS, ConsumerComponent, MessagingNeeds } from '../messaging/consumer-components';
import type { ConsumerQueues, Topology } from '../messaging/topology';
import { ApiModule } from './api/api.module';
import { ExecutorModule } from './executor/executor.module';
import { NotifierModule } from './notifier/notifier.module';
import { SensorModule } from './sensor/sensor.module';
import { WorkerModule } from './worker/worker.module';

export interface RoleSpec {
  /** What boots when the role is in ROLES. */
  module: Type;
  /** The consumer components it runs (each with the message types routed to it). */
  consumers: ConsumerComponent[];
  /** The fixed queue sets it declares at start: those it consumes and those it publishes into. */
  declares: (topology: Topology) => ConsumerQueues[];
  /** The messages it publishes (docs/architecture.md draws the flow from this). */
  publishes: MessageType[];
}

/**
 * The one table of what each role is: AppModule boots the modules, the messaging module runs the
 * consumers and declares the queues of the roles a process runs, and readiness checks them.
 */
export const ROLE_TABLE: Record<RoleName, RoleSpec> = {
  api: {
    module: ApiModule,
    consumers: [],
    declares: (t) => [t.events, t.executions, t.executionStatus, t.workflows],
    publishes: [
      'EventCreated',
      'ExecutionRequested',
      'InquiryResponded',
      'ExecutionCancelRequested',
      'NotificationCreated',
      'WorkflowAdvanceRequested',
    ],
  },
  sensor: {
    module: SensorModule,
    consumers: [],
    declares: (t) => [t.events],
    publishes: ['EventCreated'],
  },
  executor: {
    module: ExecutorModule,
    consumers: [
      CONSUMERS.enforcement,
      CONSUMERS.scheduler,
      CONSUMERS.executionManager,
      CONSUMERS.workflowConductor,
      CONSUMERS.deadLetters,
    ],
    declares: (t) => t.staticConsumerQueues,
    publishes: [
      'ExecutionRequested',
      'EventCreated',
      'NotificationCreated',
      'WorkflowAdvanceRequested',
      'ExecutionCancelRequested',
    ],
  },
  worker: {
    module: WorkerModule,
    consumers: [CONSUMERS.workerExecutions],
    declares: (t) => [t.executionStatus, t.workflows, t.workerDeadLetters],
    publishes: [
      'ExecutionCompleted',
      'InquiryCreated',
      'NotificationCreated',
      'WorkflowAdvanceRequested',
    ],
  },
  notifier: {
    module: NotifierModule,
    consumers: [CONSUMERS.notifications],
    declares: () => [],
    publishes: [],
  },
};

/** What the roles of one process need of messaging, together. */
export function messagingNeedsOf(roles: RoleName[]): MessagingNeeds {
  const specs = roles.map((role) => ROLE_TABLE[role]);
  return {
    consumers: specs.flatMap((spec) => spec.consumers),
    declares: (topology) => {
      const sets = specs.flatMap((spec) => spec.declares(topology));
      return sets.filter(
        (set, index) => sets.findIndex((s) => s.main.name === set.main.name) === index,
      );
    },
  };
}
