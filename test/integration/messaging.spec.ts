import { randomUUID } from 'node:crypto';
import { Controller, INestApplication } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import type { PayloadOf } from '../../src/domain/messages';
import { ConsumerComponent, OnMessage } from '../../src/messaging/consumer-components';
import { MessageContext } from '../../src/messaging/message-context';
import {
  DeadLetterAdmin,
  MessagePublisher,
  TopologyAdmin,
} from '../../src/messaging/messaging.port';
import { Topology } from '../../src/messaging/topology';
import { freePort } from '../support/attune-process';
import { TestDatabase } from '../support/database';
import { startMessagingHarness } from '../support/messaging-harness';
import {
  deleteTopology,
  listConsumers,
  listQueues,
  closeConnectionsOf,
  uniquePrefix,
  withChannel,
} from '../support/rabbit';
import { TcpProxy } from '../support/tcp-proxy';
import { transportEnv } from '../support/env';
import { attuneCli } from '../support/cli';
import { waitFor } from '../support/wait-for';

/** Two probe components, each on its own queue, bound to their own event keys. */
const probeA: ConsumerComponent = {
  role: 'executor',
  name: 'probe-a',
  handles: ['EventCreated'],
  queues: (t: Topology) =>
    t.retriedQueue(`${t.prefix}.probe-a.queue`, [
      { exchange: t.exchanges.events.name, routingKey: 'event.probe.a' },
    ]),
};
const probeB: ConsumerComponent = {
  role: 'executor',
  name: 'probe-b',
  handles: ['EventCreated'],
  queues: (t: Topology) =>
    t.retriedQueue(`${t.prefix}.probe-b.queue`, [
      { exchange: t.exchanges.events.name, routingKey: 'event.probe.b' },
    ]),
};

interface Attempt {
  component: string;
  key: string;
  consumerTag: string;
  at: number;
  retryCount: number;
}
const attempts: Attempt[] = [];
const failuresLeft = new Map<string, number>();

function record(component: string, event: PayloadOf<'EventCreated'>, context: MessageContext) {
  const key = (event.payload as { key: string }).key;
  attempts.push({
    component,
    key,
    consumerTag: context.delivery.consumerTag,
    at: Date.now(),
    retryCount: context.envelope.headers.retry_count,
  });
  const left = failuresLeft.get(key) ?? 0;
  if (left > 0) {
    failuresLeft.set(key, left - 1);
    throw new Error(`probe failure for ${key}`);
  }
}

@Controller()
class ProbeA {
  @OnMessage(probeA, 'EventCreated')
  handle(@Payload() event: PayloadOf<'EventCreated'>, @Ctx() context: MessageContext): void {
    record('a', event, context);
  }
}

@Controller()
class ProbeB {
  @OnMessage(probeB, 'EventCreated')
  handle(@Payload() event: PayloadOf<'EventCreated'>, @Ctx() context: MessageContext): void {
    record('b', event, context);
  }
}

const event = (trigger: string, key: string): PayloadOf<'EventCreated'> => ({
  event_id: randomUUID(),
  trigger,
  payload: { key },
  source: 'test',
  occurred_at: new Date().toISOString(),
});

const attemptsOf = (key: string) => attempts.filter((a) => a.key === key);

// What every transport promises is in messaging-contract.spec.ts, run on both; this suite is
// what only RabbitMQ has: queue arguments, consumers on the broker, connections cut.
describe('messaging on the real broker', () => {
  const db = new TestDatabase();
  const prefix = uniquePrefix('msg');
  const apps: INestApplication[] = [];
  let app: INestApplication;
  let url: string;
  let publisher: MessagePublisher;

  const cli = (...args: string[]) =>
    attuneCli(
      {
        ...transportEnv(),
        DATABASE_URL: db.url,
        MQ_PREFIX: prefix,
        ROLES: 'executor',
        RETRY_BACKOFF_MS: '200,400',
      },
      ...args,
    );

  beforeAll(async () => {
    await db.create();
    const harness = await startMessagingHarness({
      databaseUrl: db.url,
      prefix,
      instanceId: 'one',
      components: [probeA, probeB],
      controllers: [ProbeA, ProbeB],
    });
    app = harness.app;
    url = harness.url;
    apps.push(app);
    publisher = app.get(MessagePublisher);
    await waitFor(async () => (await fetch(`${url}/health/ready`)).status === 200, {
      description: 'harness ready',
    });
  });

  afterAll(async () => {
    for (const a of apps) await a.close();
    await deleteTopology(prefix);
    await db.drop();
  });

  it('declares the topology of docs/architecture.md, and applying it again is a silent no-op', async () => {
    const first = await cli('topology', 'apply');
    const second = await cli('topology', 'apply');
    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/\d+ healthy, 0 missing, 0 conflicting, 0 failed/);
    expect(second.stdout).not.toMatch(/warn|error|conflict /i);

    const queues = new Map((await listQueues(prefix)).map((q) => [q.name, q]));
    for (const main of ['events.queue', 'executions.queue', 'execution-status.queue']) {
      const name = `${prefix}.${main}`;
      expect(queues.get(name)).toMatchObject({ durable: true, autoDelete: false });
      expect(queues.get(name)!.arguments).toContain(`x-dead-letter-exchange`);
      expect(queues.get(name)!.arguments).toContain(`${prefix}.dlx`);
      expect(queues.get(name)!.arguments).toContain(name); // dead-letter routing key
      expect(queues.get(`${name}.dlq`)).toMatchObject({ durable: true, arguments: '[]' });
      expect(queues.has(`${name}.retry.3`)).toBe(false);
      for (const [n, ttl] of [
        [1, 200],
        [2, 400],
      ]) {
        const retry = queues.get(`${name}.retry.${n}`)!;
        expect(retry.durable).toBe(true);
        expect(retry.arguments).toContain(`{"x-message-ttl",${ttl}}`);
        expect(retry.arguments).toMatch(/\{"x-dead-letter-exchange",(\[\]|<<"">>)\}/);
        expect(retry.arguments).toContain(`{"x-dead-letter-routing-key","${name}"}`);
      }
    }
    const verify = await cli('topology', 'verify');
    expect(verify.code).toBe(0);
  });

  it('reports a queue declared with another x-message-ttl by name and values', async () => {
    const otherPrefix = uniquePrefix('conf');
    const queue = `${otherPrefix}.events.queue`;
    await withChannel((channel) =>
      channel.assertQueue(queue, { durable: true, arguments: { 'x-message-ttl': 5000 } }),
    );
    try {
      const verify = await attuneCli(
        { ...transportEnv(), DATABASE_URL: db.url, MQ_PREFIX: otherPrefix, ROLES: 'executor' },
        'topology',
        'verify',
      );
      expect((verify as { code?: number }).code).toBe(1);
      expect(verify.stdout).toContain(
        `queue '${queue}' already exists with x-message-ttl=5000 but Attune declares x-message-ttl=(none)`,
      );

      const conflicted = await startMessagingHarness({
        databaseUrl: db.url,
        prefix: otherPrefix,
        instanceId: 'conflicted',
        components: [],
        controllers: [],
      });
      apps.push(conflicted.app);
      const ready = await waitFor(
        async () => {
          const response = await fetch(`${conflicted.url}/health/ready`);
          const body = (await response.json()) as { error?: { topology?: { message: string } } };
          const conflict = body.error?.topology?.message?.includes('already exists');
          return response.status === 503 && conflict ? body : undefined;
        },
        { description: 'readiness naming the conflict' },
      );
      expect(ready.error!.topology!.message).toContain(
        `queue '${queue}' already exists with x-message-ttl=5000`,
      );
      // Never "fixed" by deleting: the queue and its argument are still there.
      const [existing] = (await listQueues(otherPrefix)).filter((q) => q.name === queue);
      expect(existing.arguments).toContain('5000');
    } finally {
      await deleteTopology(otherPrefix);
    }
  });

  it('gives each component its own queue and shares a queue between replicas', async () => {
    const second = await startMessagingHarness({
      databaseUrl: db.url,
      prefix,
      instanceId: 'two',
      components: [probeA, probeB],
      controllers: [ProbeA, ProbeB],
    });
    apps.push(second.app);
    await waitFor(async () => (await listConsumers(prefix)).length >= 4, {
      description: 'four consumers',
    });
    const tags = (await listConsumers(prefix)).map((c) => `${c.queue} ${c.tag}`).sort();
    expect(tags).toEqual([
      `${prefix}.probe-a.queue executor.probe-a.one`,
      `${prefix}.probe-a.queue executor.probe-a.two`,
      `${prefix}.probe-b.queue executor.probe-b.one`,
      `${prefix}.probe-b.queue executor.probe-b.two`,
    ]);

    const keys = Array.from({ length: 100 }, (_, i) => `share-${i}`);
    await Promise.all(keys.map((key) => publisher.publish('EventCreated', event('probe.a', key))));
    await publisher.publish('EventCreated', event('probe.b', 'only-b'));
    await waitFor(
      () => keys.every((key) => attemptsOf(key).length === 1) && attemptsOf('only-b').length === 1,
      {
        description: 'every message handled once',
      },
    );
    const seen = attempts.filter((a) => a.key.startsWith('share-'));
    expect(seen.every((a) => a.component === 'a')).toBe(true);
    expect(new Set(seen.map((a) => a.consumerTag))).toEqual(
      new Set(['executor.probe-a.one', 'executor.probe-a.two']),
    );
    expect(attemptsOf('only-b').map((a) => a.component)).toEqual(['b']);
    await second.app.close();
  });

  it.each([
    ['bad JSON', Buffer.from('{not json'), 'invalid-json'],
    [
      'an unknown message type',
      Buffer.from(
        JSON.stringify({
          message_id: randomUUID(),
          correlation_id: randomUUID(),
          message_type: 'SomethingElse',
          version: '1.0',
          timestamp: new Date().toISOString(),
          headers: { retry_count: 0 },
          payload: {},
        }),
      ),
      'unknown-type',
    ],
    [
      'an invalid payload',
      Buffer.from(
        JSON.stringify({
          message_id: randomUUID(),
          correlation_id: randomUUID(),
          message_type: 'EventCreated',
          version: '1.0',
          timestamp: new Date().toISOString(),
          headers: { retry_count: 0 },
          payload: { key: 'no event_id' },
        }),
      ),
      'invalid-payload',
    ],
  ])('sends %s straight to the DLQ with the reason', async (_label, body, reason) => {
    const messageId = randomUUID();
    const before = attempts.length;
    await withChannel(async (channel) => {
      channel.publish(`${prefix}.events`, 'event.probe.a', body, { persistent: true, messageId });
      await channel.waitForConfirms();
    });
    const admin = app.get(DeadLetterAdmin);
    const [parked] = await waitFor(
      async () =>
        (await admin.peek(`${prefix}.probe-a.queue.dlq`, 50)).filter(
          (m) => m.message_id === messageId,
        ),
      { description: `${reason} in the DLQ` },
    ).then((m) => (m.length ? m : []));
    expect(parked.reason).toBe(reason);
    expect(parked.retry_count).toBe(0);
    expect(parked.error).toBeTruthy();
    expect(attempts.length).toBe(before); // the handler never saw it
  });

  it('rejects a publish that the broker cannot confirm in time while it is unreachable', async () => {
    const proxy = new TcpProxy(await freePort(), '127.0.0.1', 5672);
    await proxy.open();
    const cut = await startMessagingHarness({
      databaseUrl: db.url,
      prefix,
      instanceId: 'cut',
      components: [],
      controllers: [],
      env: { AMQP_URL: `amqp://guest:guest@127.0.0.1:${proxy.port}`, MQ_PUBLISH_TIMEOUT_MS: '300' },
    });
    apps.push(cut.app);
    const cutPublisher = cut.app.get(MessagePublisher);
    await cutPublisher.publish('EventCreated', event('probe.b', 'through-proxy'));
    await proxy.close();
    await expect(cutPublisher.publish('EventCreated', event('probe.b', 'lost?'))).rejects.toThrow(
      /not confirmed within 300 ms \(RabbitMQ at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:\d+/,
    );
    await cut.app.close();
  });

  it('loses nothing when the broker closes its connection while 1,000 messages flow', async () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `flow-${i}`);
    const readiness: number[] = [];
    let watching = true;
    const watch = (async () => {
      while (watching) {
        readiness.push((await fetch(`${url}/health/ready`)).status);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    const publishing = (async () => {
      for (let i = 0; i < keys.length; i += 50) {
        await Promise.all(
          keys
            .slice(i, i + 50)
            .map((key) => publisher.publish('EventCreated', event('probe.a', key))),
        );
      }
    })();
    await waitFor(() => attempts.filter((a) => a.key.startsWith('flow-')).length >= 200, {
      description: 'the flow under way',
    });
    expect(await closeConnectionsOf('one', 'closed by the messaging test')).toBe(1);
    await publishing;
    await waitFor(() => keys.every((key) => attemptsOf(key).length >= 1), {
      timeoutMs: 60_000,
      description: 'all 1,000 messages handled',
    });
    await waitFor(async () => (await fetch(`${url}/health/ready`)).status === 200, {
      description: 'ready again',
    });
    watching = false;
    await watch;
    expect(readiness).toContain(503);
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    const topology = app.get(TopologyAdmin);
    expect((await topology.verify()).conflicts).toEqual([]);
  });
});
