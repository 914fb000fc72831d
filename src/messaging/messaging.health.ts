import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { timeBound } from '../common/time-bound';
import { TopologyAdmin, TransportConnection } from './messaging.port';
import { AttuneTransportServer } from './transport.server';

/** A readiness check answers within this, whatever the transport is doing. */
const CHECK_TIMEOUT_MS = 3000;

/** Readiness of the messaging side: the connection, the declared topology and every consumer. */
@Injectable()
export class MessagingHealthIndicator {
  constructor(
    private readonly broker: TransportConnection,
    private readonly topologyAdmin: TopologyAdmin,
    private readonly consumers: AttuneTransportServer,
    private readonly health: HealthIndicatorService,
  ) {}

  brokerCheck() {
    const session = this.health.check('broker');
    const reason = this.broker.notConnectedReason;
    return reason
      ? session.down({ message: reason })
      : session.up({ transport: this.broker.kind, address: this.broker.address });
  }

  /** Conflicts found when declaring, and consumed queues that are gone (deleted behind our back). */
  async topology() {
    const session = this.health.check('topology');
    if (!this.broker.isConnected)
      return session.down({ message: `${this.broker.kind} not connected` });
    const report = this.topologyAdmin.report;
    const problems = [
      ...(report?.conflicts.map((c) => c.message) ?? []),
      ...(report?.errors.map((e) => e.message) ?? []),
    ];
    const consumed = this.consumers.consumedQueues();
    try {
      const missing = await timeBound(this.topologyAdmin.missingQueues(consumed), CHECK_TIMEOUT_MS);
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
