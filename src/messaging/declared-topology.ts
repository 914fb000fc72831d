import { Inject, Injectable, Logger } from '@nestjs/common';
import { backoffDelay, delay } from '../common/backoff';
import { MESSAGING_NEEDS, MessagingNeeds } from './consumer-components';
import { TopologyAdmin, TransportConnection } from './messaging.port';
import { ConsumerQueues, ExchangeSpec, QueueSpec, Topology } from './topology';
import { emptyReport, TopologyReport } from './topology-report';

export interface TopologyParts {
  exchanges: ExchangeSpec[];
  queues: QueueSpec[];
}

/**
 * How a transport declares (`apply`) or checks (`verify`) exchanges, queues and bindings: one
 * object at a time, so one conflicting object is reported by name and the rest still go
 * through. RabbitMQ declares them on the broker; PostgreSQL keeps them as rows.
 */
export abstract class TopologyDeclarer {
  /** Creates what is missing; identical objects are a silent no-op. */
  abstract apply(parts: TopologyParts): Promise<TopologyReport>;
  /** Creates nothing: reports missing objects and those declared with other properties. */
  abstract verify(parts: TopologyParts): Promise<TopologyReport>;
  abstract missingQueues(names: string[]): Promise<string[]>;
}

export function queuesOf(set: ConsumerQueues): QueueSpec[] {
  return [set.main, ...set.retries, set.deadLetter];
}

/**
 * Keeps this process's part of the topology declared: at start, after every reconnect, and
 * for queues added at run time. The last report feeds readiness.
 */
@Injectable()
export class DeclaredTopology extends TopologyAdmin {
  private readonly logger = new Logger('Topology');
  private readonly required = new Map<string, QueueSpec>();
  private lastReport: TopologyReport | undefined;

  constructor(
    @Inject(MESSAGING_NEEDS) needs: MessagingNeeds,
    readonly topology: Topology,
    private readonly broker: TransportConnection,
    private readonly manager: TopologyDeclarer,
  ) {
    super();
    for (const set of needs.declares(topology)) {
      for (const queue of queuesOf(set)) this.required.set(queue.name, queue);
    }
  }

  /**
   * Declares everything on each (re)connect; a declaration cut short (the connection closed
   * part-way, a channel error) is tried again with backoff while the broker is connected.
   */
  startDeclaring(): void {
    this.broker.onConnect(() => void this.declareUntilDone());
  }

  private async declareUntilDone(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.apply();
        return;
      } catch (error) {
        if (!this.broker.isConnected) return; // the next connect declares again
        const wait = backoffDelay(attempt, 500, 30_000);
        this.logger.warn(
          `declaring topology failed (${(error as Error).message}); trying again in ${wait} ms`,
        );
        await delay(wait);
      }
    }
  }

  get report(): TopologyReport | undefined {
    return this.lastReport;
  }

  async apply(): Promise<TopologyReport> {
    const report = await this.manager.apply(this.parts());
    this.lastReport = report;
    return report;
  }

  async verify(): Promise<TopologyReport> {
    return this.manager.verify(this.parts());
  }

  async require(queues: QueueSpec[]): Promise<TopologyReport> {
    for (const queue of queues) this.required.set(queue.name, queue);
    if (!this.broker.isConnected) return emptyReport();
    const report = await this.manager.apply({
      exchanges: Object.values(this.topology.exchanges),
      queues,
    });
    // Fold run-time conflicts into what readiness reports.
    const merged = this.lastReport ?? emptyReport();
    for (const conflict of report.conflicts) {
      if (!merged.conflicts.some((c) => c.name === conflict.name)) merged.conflicts.push(conflict);
    }
    this.lastReport = merged;
    return report;
  }

  missingQueues(names: string[]): Promise<string[]> {
    return this.manager.missingQueues(names);
  }

  private parts() {
    return {
      exchanges: Object.values(this.topology.exchanges),
      queues: [...this.required.values()],
    };
  }
}
