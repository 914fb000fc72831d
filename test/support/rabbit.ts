import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import * as amqp from 'amqplib';
import { AMQP_URL, TEST_TRANSPORT } from './env';

const run = promisify(execFile);

/** A unique MQ_PREFIX per test file keeps suites apart on the shared broker. */
export function uniquePrefix(label: string): string {
  return `t${randomBytes(4).toString('hex')}-${label}`;
}

/** `rabbitmqctl` as the broker's operator would run it. */
export async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', ['-q', ...args], { timeout: 30_000 });
  return stdout;
}

export interface QueueRow {
  name: string;
  durable: boolean;
  autoDelete: boolean;
  arguments: string;
  messages: number;
  consumers: number;
}

export async function listQueues(prefix: string): Promise<QueueRow[]> {
  const out = await rabbitmqctl(
    'list_queues',
    '--no-table-headers',
    'name',
    'durable',
    'auto_delete',
    'messages',
    'consumers',
    'arguments',
  );
  return out
    .split('\n')
    .filter((line) => line.startsWith(`${prefix}.`))
    .map((line) => {
      const [name, durable, autoDelete, messages, consumers, ...rest] = line.split('\t');
      return {
        name,
        durable: durable === 'true',
        autoDelete: autoDelete === 'true',
        messages: Number(messages),
        consumers: Number(consumers),
        arguments: rest.join('\t'),
      };
    });
}

/** Consumer tags by queue, as the broker reports them. */
export async function listConsumers(
  prefix: string,
): Promise<Array<{ queue: string; tag: string }>> {
  const out = await rabbitmqctl(
    'list_consumers',
    '--no-table-headers',
    'queue_name',
    'consumer_tag',
  );
  return out
    .split('\n')
    .filter((line) => line.startsWith(`${prefix}.`))
    .map((line) => {
      const [queue, tag] = line.split('\t');
      return { queue, tag };
    });
}

/**
 * Closes, from the broker side, the connections of one Attune instance (its connection name is
 * its INSTANCE_ID), leaving every other suite's connections alone. Returns how many it closed.
 */
export async function closeConnectionsOf(
  instanceId: string,
  reason = 'closed by a test',
): Promise<number> {
  const out = await rabbitmqctl(
    'list_connections',
    '--no-table-headers',
    'pid',
    'client_properties',
  );
  const pids = out
    .split('\n')
    .filter((line) => line.includes(`{"connection_name","${instanceId}"}`))
    .map((line) => line.split('\t')[0]);
  for (const pid of pids) await rabbitmqctl('close_connection', pid, reason);
  return pids.length;
}

/** Deletes everything a test declared under its prefix (on PostgreSQL it goes with the database). */
export async function deleteTopology(prefix: string): Promise<void> {
  if (TEST_TRANSPORT === 'postgres') return;
  const connection = await amqp.connect(AMQP_URL);
  try {
    for (const queue of await listQueues(prefix)) {
      const channel = await connection.createChannel();
      await channel.deleteQueue(queue.name).catch(() => {});
      await channel.close().catch(() => {});
    }
    for (const exchange of ['events', 'executions', 'notifications', 'dlx']) {
      const channel = await connection.createChannel();
      await channel.deleteExchange(`${prefix}.${exchange}`).catch(() => {});
      await channel.close().catch(() => {});
    }
  } finally {
    await connection.close();
  }
}

/**
 * Reads what is published to an exchange through a throwaway queue of the test's own, the way
 * an outside observer would.
 */
export class ExchangeTap {
  readonly messages: amqp.ConsumeMessage[] = [];
  private constructor(
    private readonly connection: amqp.ChannelModel,
    private readonly channel: amqp.Channel,
  ) {}

  static async open(exchange: string, routingKey = '#'): Promise<ExchangeTap> {
    const connection = await amqp.connect(AMQP_URL);
    const channel = await connection.createChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
    await channel.bindQueue(queue, exchange, routingKey);
    const tap = new ExchangeTap(connection, channel);
    await channel.consume(queue, (msg) => msg && tap.messages.push(msg), { noAck: true });
    return tap;
  }

  bodies<T = Record<string, unknown>>(): T[] {
    return this.messages.map((msg) => JSON.parse(msg.content.toString()) as T);
  }

  async close(): Promise<void> {
    await this.connection.close().catch(() => {});
  }
}

export async function withChannel<T>(fn: (channel: amqp.ConfirmChannel) => Promise<T>): Promise<T> {
  const connection = await amqp.connect(AMQP_URL);
  try {
    const channel = await connection.createConfirmChannel();
    channel.on('error', () => {});
    return await fn(channel);
  } finally {
    await connection.close().catch(() => {});
  }
}
