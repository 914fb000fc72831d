import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { RabbitTransportServer } from './rabbitmq/rabbit-transport.server';
import { BrokerConnection } from './rabbitmq/broker-connection';
import { RabbitTopologyAdmin } from './rabbitmq/rabbit-topology-admin';

/** Readiness of the messaging side: the connection, the declared topology and every consumer. */
@Injectable()
export class MessagingHealthIndicator {
  constructor(
    private readonly broker: BrokerConnection,
    private readonly topologyAdmin: RabbitTopologyAdmin,
    private readonly consumers: RabbitTransportServer,
    private readonly health: HealthIndicatorService,
  ) {}

  brokerCheck() {
    const session = this.health.check('broker');
    const reason = this.broker.notConnectedReason;
    return reason
      ? session.down({ message: reason })
      : session.up({ address: this.broker.address });
  }

  /** Conflicts found when declaring, and consumed queues that are gone (deleted behind our back). */
  async topology() {
    const session = this.health.check('topology');
    if (!this.broker.isConnected) return session.down({ message: 'broker not connected' });
    const report = this.topologyAdmin.report;
    const problems = [
      ...(report?.conflicts.map((c) => c.message) ?? []),
      ...(report?.errors.map((e) => e.message) ?? []),
    ];
    const consumed = this.consumers.consumedQueues();
    try {
      const missing = await this.topologyAdmin.missingQueues(consumed);
      problems.push(...missing.map((name) => `queue '${name}' does not exist`));
    } catch (error) {
      problems.push(`could not check queues: ${(error as Error).message}`);
    }
    return problems.length
      ? session.down({ message: problems.join('; '), problems })
      : session.up({ queues: consumed });
  }

  /** For liveness: a consumer that should run and cannot, for long, needs a restart. */
  consumersLiveness() {
    const session = this.health.check('consumers');
    const stalled = this.consumers.stalledConsumers();
    return stalled.length > 0 ? session.down({ message: stalled.join('; ') }) : session.up();
  }

  consumersCheck() {
    const session = this.health.check('consumers');
    const statuses = this.consumers.consumerStatus();
    const problems = statuses
      .filter((s) => !s.active)
      .map((s) => s.problem ?? `${s.component} inactive`);
    const consumers = statuses.map((s) => ({
      tag: s.tag ?? s.component,
      queue: s.queue,
      active: s.active,
    }));
    return problems.length
      ? session.down({ message: problems.join('; '), consumers })
      : session.up({ consumers });
  }
}
