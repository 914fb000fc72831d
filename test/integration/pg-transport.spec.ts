import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import type { PayloadOf } from '../../src/domain/messages';
import { DeadLetterAdmin, MessagePublisher } from '../../src/messaging/messaging.port';
import { Topology } from '../../src/messaging/topology';
import { TestDatabase } from '../support/database';
import { startMessagingHarness } from '../support/messaging-harness';
import { uniquePrefix } from '../support/rabbit';
import { attuneCli } from '../support/cli';
import { waitFor } from '../support/wait-for';
import { attemptsOf, Probe, probe, probeEvent } from '../support/probe-consumer';

const ON_POSTGRES = { MQ_TRANSPORT: 'postgres' };

// What only the PostgreSQL transport has (MQ_TRANSPORT=postgres, against a real PostgreSQL): the
// topology as rows, leases, TTL expiry by the transport. What both transports promise is in
// messaging-contract.spec.ts.
describe('messaging on the PostgreSQL transport', () => {
  const db = new TestDatabase();
  const prefix = uniquePrefix('pgmq');
  const apps: INestApplication[] = [];
  let app: INestApplication;
  let publisher: MessagePublisher;
  const queue = `${prefix}.probe.queue`;

  const cli = (...args: string[]) =>
    attuneCli(
      {
        ...ON_POSTGRES,
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
      env: ON_POSTGRES,
    });
    apps.push(started.app);
    await waitFor(async () => (await fetch(`${started.url}/health/ready`)).status === 200, {
      description: `${instanceId} ready`,
    });
    return started;
  };

  beforeAll(async () => {
    await db.create();
    ({ app } = await harness('one'));
    publisher = app.get(MessagePublisher);
  });

  afterAll(async () => {
    for (const a of apps) await a.close();
    await db.drop();
  });

  it('keeps the topology as rows: apply twice is a no-op, verify finds it whole', async () => {
    const first = await cli('topology', 'apply');
    const second = await cli('topology', 'apply');
    expect(first.code).toBe(0);
    expect(second.stdout).toMatch(/\d+ healthy, 0 missing, 0 conflicting, 0 failed/);
    const queues = await db.query<{ name: string; arguments: Record<string, unknown> }>(
      'SELECT name, arguments FROM mq_queue WHERE name LIKE $1',
      [`${prefix}.%`],
    );
    const byName = new Map(queues.map((q) => [q.name, q.arguments]));
    expect(byName.get(`${prefix}.events.queue`)).toEqual({
      'x-dead-letter-exchange': `${prefix}.dlx`,
      'x-dead-letter-routing-key': `${prefix}.events.queue`,
    });
    expect(byName.has(`${prefix}.events.queue.dlq`)).toBe(true);
    // A retried message waits in its own queue: no retry queues on PostgreSQL.
    expect([...byName.keys()].filter((name) => /\.retry\.\d+$/.test(name))).toEqual([]);
    expect((await cli('topology', 'verify')).code).toBe(0);
  });

  it('reports a queue declared with other arguments by name and values', async () => {
    await db.query(
      `UPDATE mq_queue SET arguments = arguments || '{"x-message-ttl": 5000}' WHERE name = $1`,
      [`${prefix}.executions.queue`],
    );
    try {
      const verify = await cli('topology', 'verify');
      expect(verify.code).toBe(1);
      expect(verify.stdout).toContain(
        `queue '${prefix}.executions.queue' already exists with x-message-ttl=5000 but Attune declares x-message-ttl=(none)`,
      );
    } finally {
      await db.query(
        `UPDATE mq_queue SET arguments = arguments - 'x-message-ttl' WHERE name = $1`,
        [`${prefix}.executions.queue`],
      );
    }
  });

  it('delivers again, marked redelivered, a message whose consumer took it and vanished', async () => {
    // As a consumer that died holding it leaves it: taken once, leased for another second.
    await db.query(
      `INSERT INTO mq_message (queue, exchange, routing_key, body, properties, visible_at, deliveries)
       VALUES ($1, $2, 'event.probe.x', $3, '{}', now() + interval '1 second', 1)`,
      [queue, `${prefix}.events`, Buffer.from(JSON.stringify(envelopeOf(probeEvent('orphan'))))],
    );
    const [attempt] = await waitFor(
      () => (attemptsOf('orphan').length ? attemptsOf('orphan') : undefined),
      {
        description: 'the orphan delivered after its lease',
      },
    );
    expect(attempt.redelivered).toBe(true);
  });

  it('moves a message past its TTL to the dead-letter queue its queue names, as expired', async () => {
    const workerId = randomUUID();
    await cli('topology', 'apply');
    const worker = app.get(Topology).workerQueue(workerId).main;
    await db.query(
      `INSERT INTO mq_queue (name, durable, exclusive, auto_delete, arguments) VALUES ($1, true, false, false, $2)`,
      [worker.name, JSON.stringify(worker.arguments)],
    );
    await db.query(`INSERT INTO mq_binding (exchange, routing_key, queue) VALUES ($1, $2, $3)`, [
      `${prefix}.executions`,
      `worker.${workerId}`,
      worker.name,
    ]);
    const sent = await publisher.publish(
      'ExecutionCancelRequested',
      { execution_id: randomUUID() },
      { workerId, expirationMs: 100 },
    );
    const [expired] = await waitFor(
      async () => {
        const mine = (
          await app.get(DeadLetterAdmin).peek(`${prefix}.worker.executions.dlq`, 50)
        ).filter((m) => m.message_id === sent.message_id);
        return mine.length ? mine : undefined;
      },
      { description: 'the expired message in the worker DLQ' },
    );
    expect(expired).toMatchObject({
      reason: 'expired',
      original_routing_key: `worker.${workerId}`,
    });
  });
});

function envelopeOf(payload: PayloadOf<'EventCreated'>) {
  return {
    message_id: randomUUID(),
    correlation_id: randomUUID(),
    message_type: 'EventCreated',
    version: '1.0',
    timestamp: new Date().toISOString(),
    headers: { retry_count: 0 },
    payload,
  };
}
