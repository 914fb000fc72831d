import { Injectable, Logger } from '@nestjs/common';
import { TopologyDeclarer, TopologyParts } from '../declared-topology';
// RabbitMQ's retry queues are not declared here: on PostgreSQL a retried message waits in its
// own queue instead.
import { ExchangeSpec, isRetryQueue, QueueSpec } from '../topology';
import { conflictOf, emptyReport, TopologyReport } from '../topology-report';
import { PgConnection } from './pg-connection';

interface QueueRow {
  name: string;
  durable: boolean;
  exclusive: boolean;
  auto_delete: boolean;
  arguments: Record<string, string | number>;
}

/**
 * Exchanges, queues and bindings as rows (mq_exchange, mq_queue, mq_binding): the same typed
 * topology as on RabbitMQ, the same report (missing objects, conflicting arguments), and the
 * same routing, which the publish statement does in SQL from the bindings.
 */
@Injectable()
export class PgTopologyDeclarer extends TopologyDeclarer {
  private readonly logger = new Logger('Topology');

  constructor(private readonly connection: PgConnection) {
    super();
  }

  apply(parts: TopologyParts): Promise<TopologyReport> {
    return this.run(parts, false);
  }

  verify(parts: TopologyParts): Promise<TopologyReport> {
    return this.run(parts, true);
  }

  async missingQueues(names: string[]): Promise<string[]> {
    const wanted = names.filter((name) => !isRetryQueue(name));
    const rows = await this.connection.query<{ name: string }>(
      'SELECT name FROM mq_queue WHERE name = ANY($1)',
      [wanted],
    );
    const present = new Set(rows.map((row) => row.name));
    return wanted.filter((name) => !present.has(name));
  }

  private async run(parts: TopologyParts, verifyOnly: boolean): Promise<TopologyReport> {
    const report = emptyReport();
    const queues = parts.queues.filter((queue) => !isRetryQueue(queue.name));
    const types = new Map(parts.exchanges.map((e) => [e.name, e.type]));
    if (!verifyOnly) await this.declare(parts.exchanges, queues, types);

    const exchanges = new Map(
      (
        await this.connection.query<{ name: string; type: string }>(
          'SELECT name, type FROM mq_exchange WHERE name = ANY($1)',
          [parts.exchanges.map((e) => e.name)],
        )
      ).map((row) => [row.name, row.type]),
    );
    for (const exchange of parts.exchanges) {
      const existing = exchanges.get(exchange.name);
      if (existing === undefined) report.missing.push(exchange.name);
      else if (existing !== exchange.type) {
        report.conflicts.push(
          conflictOf('exchange', exchange.name, 'type', existing, exchange.type),
        );
      } else report.healthy.push(exchange.name);
    }
    const rows = new Map(
      (
        await this.connection.query<QueueRow>(
          'SELECT name, durable, exclusive, auto_delete, arguments FROM mq_queue WHERE name = ANY($1)',
          [queues.map((q) => q.name)],
        )
      ).map((row) => [row.name, row]),
    );
    for (const queue of queues) {
      const row = rows.get(queue.name);
      if (!row) {
        report.missing.push(queue.name);
        continue;
      }
      const conflict = queueConflict(queue, row);
      if (conflict) report.conflicts.push(conflict);
      else report.healthy.push(queue.name);
    }
    for (const conflict of report.conflicts) this.logger.error(conflict.message);
    return report;
  }

  private async declare(
    exchanges: ExchangeSpec[],
    queues: QueueSpec[],
    types: Map<string, string>,
  ): Promise<void> {
    await this.connection.query(
      `INSERT INTO mq_exchange (name, type) SELECT * FROM unnest($1::text[], $2::text[])
       ON CONFLICT (name) DO NOTHING`,
      [exchanges.map((e) => e.name), exchanges.map((e) => e.type)],
    );
    await this.connection.query(
      `INSERT INTO mq_queue (name, durable, exclusive, auto_delete, arguments)
       SELECT * FROM unnest($1::text[], $2::bool[], $3::bool[], $4::bool[], $5::jsonb[])
       ON CONFLICT (name) DO UPDATE SET last_used_at = now()`,
      [
        queues.map((q) => q.name),
        queues.map((q) => q.durable),
        queues.map((q) => q.exclusive),
        queues.map((q) => q.autoDelete),
        queues.map((q) => JSON.stringify(q.arguments)),
      ],
    );
    const bindings = queues.flatMap((queue) =>
      queue.bindings.map((binding) => ({
        ...binding,
        queue: queue.name,
        pattern: bindingPattern(types.get(binding.exchange), binding.routingKey),
      })),
    );
    await this.connection.query(
      `INSERT INTO mq_binding (exchange, routing_key, queue, pattern)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
       ON CONFLICT DO NOTHING`,
      [
        bindings.map((b) => b.exchange),
        bindings.map((b) => b.routingKey),
        bindings.map((b) => b.queue),
        bindings.map((b) => b.pattern),
      ],
    );
  }
}

function queueConflict(queue: QueueSpec, row: QueueRow) {
  const flags: Array<[string, boolean, boolean]> = [
    ['durable', row.durable, queue.durable],
    ['exclusive', row.exclusive, queue.exclusive],
    ['auto_delete', row.auto_delete, queue.autoDelete],
  ];
  for (const [property, existing, wanted] of flags) {
    if (existing !== wanted) {
      return conflictOf('queue', queue.name, property, String(existing), String(wanted));
    }
  }
  const keys = new Set([...Object.keys(row.arguments), ...Object.keys(queue.arguments)]);
  for (const key of keys) {
    const existing = row.arguments[key];
    const wanted = queue.arguments[key];
    if (existing !== wanted) {
      return conflictOf('queue', queue.name, key, show(existing), show(wanted));
    }
  }
  return undefined;
}

const show = (value: unknown) => (value === undefined ? '(none)' : String(value));

/**
 * How a binding matches routing keys, as a PostgreSQL regular expression: NULL for an equal key
 * (direct exchanges, topic keys without wildcards), '^' for everything (fanout), and for topic
 * wildcards `*` one word, `#` zero or more words.
 */
export function bindingPattern(
  exchangeType: string | undefined,
  routingKey: string,
): string | null {
  if (exchangeType === 'fanout') return '^';
  if (exchangeType !== 'topic' || !/(^|\.)[*#](\.|$)/.test(routingKey)) return null;
  const words = routingKey.split('.');
  let regex = '';
  words.forEach((word, index) => {
    const separator = index === 0 ? '' : '\\.';
    if (word === '#') regex += index === 0 ? '(?:[^.]+(?:\\.[^.]+)*)?' : '(?:\\.[^.]+)*';
    else if (word === '*') regex += `${separator}[^.]+`;
    else regex += separator + word.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
  });
  return `^${regex}$`;
}
