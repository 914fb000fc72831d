import { Injectable, Logger } from '@nestjs/common';
import type { Channel } from 'amqplib';
import { TopologyDeclarer, TopologyParts } from '../declared-topology';
import { emptyReport, parseConflict, TopologyReport } from '../topology-report';
import { BrokerConnection } from './broker-connection';

type Operation = (channel: Channel) => Promise<unknown>;

/**
 * Declares (`apply`) or checks (`verify`) exchanges, queues and bindings, one object at a time
 * on spare channels, so one conflicting object is reported by name and the rest still go through.
 */
@Injectable()
export class TopologyManager extends TopologyDeclarer {
  private readonly logger = new Logger('Topology');

  constructor(private readonly broker: BrokerConnection) {
    super();
  }

  /** Creates what is missing; identical objects are a silent no-op. */
  async apply(parts: TopologyParts): Promise<TopologyReport> {
    return this.run(parts, false);
  }

  /** Creates nothing: reports missing objects and those declared with other properties. */
  async verify(parts: TopologyParts): Promise<TopologyReport> {
    return this.run(parts, true);
  }

  /** Which of `queues` exist right now (passive checks; a 404 closes only a spare channel). */
  async missingQueues(queues: string[]): Promise<string[]> {
    const missing: string[] = [];
    await this.sequence(
      queues.map((name) => ({
        name,
        op: (channel: Channel) => channel.checkQueue(name),
        onError: () => missing.push(name),
      })),
    );
    return missing;
  }

  private async run(parts: TopologyParts, verifyOnly: boolean): Promise<TopologyReport> {
    const report = emptyReport();
    const steps: Array<{ name: string; op: Operation; onError: (e: Error) => void }> = [];
    const record = (kind: 'queue' | 'exchange' | 'binding', name: string) => (error: Error) => {
      const conflict = parseConflict(error.message);
      if (conflict) report.conflicts.push(conflict);
      else if (/NOT_FOUND/.test(error.message) && kind !== 'binding') report.missing.push(name);
      else report.errors.push({ kind, name, message: `${kind} '${name}': ${error.message}` });
    };
    const add = (kind: 'queue' | 'exchange' | 'binding', name: string, op: Operation) =>
      steps.push({ name, op, onError: record(kind, name) });

    for (const exchange of parts.exchanges) {
      const declare: Operation = (ch) =>
        ch.assertExchange(exchange.name, exchange.type, { durable: true });
      add(
        'exchange',
        exchange.name,
        verifyOnly ? checkThen('exchange', exchange.name, declare) : declare,
      );
    }
    for (const queue of parts.queues) {
      const declare: Operation = (ch) =>
        ch.assertQueue(queue.name, {
          durable: queue.durable,
          exclusive: queue.exclusive,
          autoDelete: queue.autoDelete,
          arguments: queue.arguments,
        });
      add('queue', queue.name, verifyOnly ? checkThen('queue', queue.name, declare) : declare);
    }
    if (!verifyOnly) {
      for (const queue of parts.queues) {
        for (const binding of queue.bindings) {
          add('binding', `${binding.exchange} -> ${queue.name} (${binding.routingKey})`, (ch) =>
            ch.bindQueue(queue.name, binding.exchange, binding.routingKey),
          );
        }
      }
    }

    const failed = await this.sequence(steps);
    for (const step of steps) {
      if (!failed.has(step.name) && !step.name.includes(' -> ')) report.healthy.push(step.name);
    }
    for (const conflict of report.conflicts) this.logger.error(conflict.message);
    for (const error of report.errors) this.logger.error(error.message);
    return report;
  }

  /** Runs steps in order, replacing the spare channel whenever a failure closes it. */
  private async sequence(
    steps: Array<{ name: string; op: Operation; onError: (e: Error) => void }>,
  ): Promise<Set<string>> {
    const failed = new Set<string>();
    let index = 0;
    while (index < steps.length) {
      await this.broker.withSpareChannel(async (channel) => {
        let open = true;
        channel.once('close', () => (open = false));
        while (index < steps.length && open) {
          const step = steps[index++];
          try {
            await step.op(channel);
          } catch (error) {
            failed.add(step.name);
            step.onError(error as Error);
          }
        }
      });
    }
    return failed;
  }
}

/** Verify: a passive check first (404 = missing), then an identical declare to reveal conflicts. */
function checkThen(kind: 'queue' | 'exchange', name: string, declare: Operation): Operation {
  return async (channel) => {
    if (kind === 'queue') await channel.checkQueue(name);
    else await channel.checkExchange(name);
    await declare(channel);
  };
}
