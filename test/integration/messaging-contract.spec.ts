import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { DeadLetterAdmin, MessagePublisher } from '../../src/messaging/messaging.port';
import { PgPublisher } from '../../src/messaging/postgres/pg-publisher';
import { TestDatabase } from '../support/database';
import { TEST_TRANSPORT, transportEnv } from '../support/env';
import { startMessagingHarness } from '../support/messaging-harness';
import { deleteTopology, uniquePrefix, withChannel } from '../support/rabbit';
import { attuneCli } from '../support/cli';
import { waitFor } from '../support/wait-for';
import { attemptsOf, failuresLeft, Probe, probe, probeEvent } from '../support/probe-consumer';

// What every transport promises, on the real servers: this suite runs on RabbitMQ (the
// `integration` project) and on PostgreSQL (`on-postgres`, TEST_TRANSPORT=postgres). What only
// one transport has is in messaging.spec.ts (RabbitMQ) and pg-transport.spec.ts (PostgreSQL).
describe(`the messaging contract on ${TEST_TRANSPORT}`, () => {
  const db = new TestDatabase();
  const prefix = uniquePrefix('contract');
  const apps: INestApplication[] = [];
  let app: INestApplication;
  let url: string;
  let publisher: MessagePublisher;
  const queue = `${prefix}.probe.queue`;

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

  const harness = async (instanceId: string) => {
    const started = await startMessagingHarness({
      databaseUrl: db.url,
      prefix,
      instanceId,
      components: [probe],
      controllers: [Probe],
    });
    apps.push(started.app);
    await waitFor(async () => (await fetch(`${started.url}/health/ready`)).status === 200, {
      description: `${instanceId} ready`,
    });
    return started;
  };

  beforeAll(async () => {
    await db.create();
    ({ app, url } = await harness('one'));
    publisher = app.get(MessagePublisher);
  });

  afterAll(async () => {
    for (const a of apps) await a.close();
    await deleteTopology(prefix);
    await db.drop();
  });

  it('says in readiness which transport it runs on, with every consumer active', async () => {
    const ready = (await (await fetch(`${url}/health/ready`)).json()) as {
      info: { broker: { transport: string }; consumers: { consumers: Array<{ tag: string }> } };
    };
    expect(ready.info.broker.transport).toBe(TEST_TRANSPORT);
    expect(ready.info.consumers.consumers.map((c) => c.tag)).toContain('executor.probe.one');
  });

  it('shares a queue between replicas, each message handled once', async () => {
    const second = await harness('two');
    const keys = Array.from({ length: 200 }, (_, i) => `share-${i}`);
    await Promise.all(keys.map((key) => publisher.publish('EventCreated', probeEvent(key))));
    await waitFor(() => keys.every((key) => attemptsOf(key).length === 1), {
      description: 'every message handled once',
    });
    const tags = new Set(keys.map((key) => attemptsOf(key)[0].consumerTag));
    expect(tags).toEqual(new Set(['executor.probe.one', 'executor.probe.two']));
    await second.app.close();
  });

  it('retries a failing handler with the backoff ladder, then dead-letters it with the same headers, and replays it', async () => {
    failuresLeft.set('doomed', 100);
    const sent = await publisher.publish('EventCreated', probeEvent('doomed'));
    const admin = app.get(DeadLetterAdmin);
    const [parked] = await waitFor(
      async () => {
        const mine = (await admin.peek(`${queue}.dlq`, 10)).filter(
          (m) => m.message_id === sent.message_id,
        );
        return mine.length ? mine : undefined;
      },
      { description: 'the message in the DLQ' },
    );
    const [first, second, third] = attemptsOf('doomed');
    expect(attemptsOf('doomed').map((a) => a.retryCount)).toEqual([0, 1, 2]);
    expect(second.at - first.at).toBeGreaterThanOrEqual(190);
    expect(third.at - second.at).toBeGreaterThanOrEqual(390);
    expect(parked).toMatchObject({
      reason: 'retries-exhausted',
      error: 'probe failure for doomed',
      retry_count: 2,
      original_exchange: `${prefix}.events`,
      original_routing_key: 'event.probe.x',
      correlation_id: sent.correlation_id,
    });

    failuresLeft.set('doomed', 0);
    const replay = await cli('dlq', 'replay', `${queue}.dlq`, '10');
    expect(replay.stdout).toContain(`replayed 1 message(s) from ${queue}.dlq; 0 left`);
    await waitFor(() => attemptsOf('doomed').length === 4, { description: 'the replay handled' });
    expect(attemptsOf('doomed')[3].retryCount).toBe(0);
  });

  it('sends bad JSON straight to the DLQ with the reason', async () => {
    const messageId = randomUUID();
    const body = Buffer.from('{not json');
    if (TEST_TRANSPORT === 'postgres') {
      await app.get(PgPublisher).publishRaw({
        exchange: `${prefix}.events`,
        routingKey: 'event.probe.x',
        content: body,
        mandatory: true,
        properties: { messageId },
      });
    } else {
      await withChannel(async (channel) => {
        channel.publish(`${prefix}.events`, 'event.probe.x', body, { persistent: true, messageId });
        await channel.waitForConfirms();
      });
    }
    const [parked] = await waitFor(
      async () => {
        const mine = (await app.get(DeadLetterAdmin).peek(`${queue}.dlq`, 50)).filter(
          (m) => m.message_id === messageId,
        );
        return mine.length ? mine : undefined;
      },
      { description: 'invalid-json in the DLQ' },
    );
    expect(parked).toMatchObject({ reason: 'invalid-json', retry_count: 0, body: '{not json' });
  });

  it('rejects a publish nobody can route with a clear error', async () => {
    const workerId = randomUUID();
    await expect(
      publisher.publish('ExecutionCancelRequested', { execution_id: randomUUID() }, { workerId }),
    ).rejects.toThrow(
      `publish to ${prefix}.executions with key 'worker.${workerId}' was returned as unroutable`,
    );
  });

  it('counts published, consumed, acked, retried and dead-lettered messages per queue', async () => {
    const metrics = await (await fetch(`${url}/metrics`)).text();
    for (const name of ['consumed', 'acked', 'retried', 'dead_lettered']) {
      expect(metrics).toMatch(
        new RegExp(`attune_messages_${name}_total\\{[^}]*queue="${queue}"[^}]*\\} [1-9]`),
      );
    }
    expect(metrics).toMatch(
      new RegExp(
        `attune_messages_published_total\\{exchange="${prefix}.events",type="EventCreated"\\} [1-9]`,
      ),
    );
  });

  /** What an operator's terminal shows when a command fails: one line on stderr, no stack. */
  const expectOneLineFailure = (result: { code: number; stderr: string }, line: RegExp) => {
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n').filter(Boolean)).toEqual([expect.stringMatching(line)]);
  };

  it('says that nothing is declared under a prefix instead of listing empty DLQs', async () => {
    const elsewhere = uniquePrefix('undeclared');
    const result = await attuneCli(
      { ...transportEnv(), DATABASE_URL: db.url, MQ_PREFIX: elsewhere },
      'dlq',
      'list',
    );
    expectOneLineFailure(
      result,
      new RegExp(
        `^attune: no topology under prefix '${elsewhere}': run \`attune topology apply\`$`,
      ),
    );
    expect(result.stdout).not.toContain('message(s)');
  });

  it('names a queue that is not a dead-letter queue in one line', async () => {
    expectOneLineFailure(
      await cli('dlq', 'peek', `${prefix}.events.queue`),
      new RegExp(`^attune: unknown dead-letter queue '${prefix}.events.queue'; known: `),
    );
  });

  it('shows an undeclared dead-letter queue under the prefix as empty', async () => {
    const peek = await cli('dlq', 'peek', `${prefix}.not-yet.dlq`);
    expect(peek).toMatchObject({ code: 0, stdout: '' });
    const replay = await cli('dlq', 'replay', `${prefix}.not-yet.dlq`);
    expect(replay).toMatchObject({ code: 0 });
    expect(replay.stdout).toContain('replayed 0 message(s)');
  });

  it('names the server it cannot reach in one line', async () => {
    const unreachable: Record<string, string> =
      TEST_TRANSPORT === 'postgres'
        ? { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/attune' }
        : { AMQP_URL: 'amqp://guest:guest@127.0.0.1:1' };
    const result = await attuneCli(
      { ...transportEnv(), DATABASE_URL: db.url, MQ_PREFIX: prefix, ...unreachable },
      'dlq',
      'list',
    );
    expectOneLineFailure(result, /^attune: could not reach .*127\.0\.0\.1:1.*ECONNREFUSED/);
  });
});
