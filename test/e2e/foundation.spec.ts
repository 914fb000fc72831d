import { AttuneProcess, freePort, runToExit } from '../support/attune-process';
import { TestDatabase } from '../support/database';
import { deleteTopology, listConsumers, uniquePrefix, withChannel } from '../support/rabbit';
import { TcpProxy } from '../support/tcp-proxy';
import { waitFor } from '../support/wait-for';

describe('foundation: roles, configuration, health, shutdown', () => {
  const db = new TestDatabase();
  const prefix = uniquePrefix('found');
  const started: AttuneProcess[] = [];

  const start = async (roles: string) => {
    const n = started.length;
    const app = await AttuneProcess.startReady({
      roles,
      databaseUrl: db.url,
      prefix,
      env: { WORKER_NAME: `worker-${n}`, INSTANCE_ID: `i${n}` },
    });
    started.push(app);
    return { app, instance: `i${n}`, workerName: `worker-${n}` };
  };

  beforeAll(async () => {
    await db.create();
  });

  afterAll(async () => {
    await Promise.all(started.map((app) => app.kill()));
    await deleteTopology(prefix);
    await db.drop();
  });

  /** The consumer components RabbitMQ reports for one process (tag = role.component.instance). */
  const componentsOf = async (instance: string, workerName: string, count: number) => {
    const [worker] = await db.query<{ id: string }>('SELECT id FROM worker WHERE name = $1', [
      workerName,
    ]);
    const tags = await waitFor(
      async () => {
        const mine = (await listConsumers(prefix))
          .map((c) => c.tag)
          .filter((tag) => tag.endsWith(`.${instance}`) || (worker && tag.endsWith(worker.id)));
        return mine.length >= count ? mine : undefined;
      },
      { description: `${count} consumers of instance ${instance}` },
    );
    return tags.map((tag) => tag.split('.').slice(0, 2).join('.')).sort();
  };

  it.each([
    {
      roles: 'worker',
      expected: ['worker.executions'],
    },
    {
      roles: 'api,executor',
      expected: [
        'executor.dead-letters',
        'executor.enforcement',
        'executor.execution-manager',
        'executor.scheduler',
        'executor.workflow-conductor',
      ],
    },
    {
      roles: 'all',
      expected: [
        'executor.dead-letters',
        'executor.enforcement',
        'executor.execution-manager',
        'executor.scheduler',
        'executor.workflow-conductor',
        'notifier.notifications',
        'worker.executions',
      ],
    },
  ])('ROLES=$roles runs only its own consumers and is ready', async ({ roles, expected }) => {
    const { app, instance, workerName } = await start(roles);
    expect(await componentsOf(instance, workerName, expected.length)).toEqual(expected);

    const ready = await app.health('ready');
    expect(ready.status).toBe(200);
    expect(Object.keys(ready.body.details).sort()).toEqual([
      'broker',
      'consumers',
      'database',
      'topology',
    ]);
    const consumers = ready.body.details.consumers.consumers as Array<{
      tag: string;
      active: boolean;
    }>;
    expect(consumers.map((c) => c.tag.split('.').slice(0, 2).join('.')).sort()).toEqual(expected);
    expect(consumers.every((c) => c.active)).toBe(true);
    await app.kill();
  });

  it.each([
    [
      { ROLES: 'bogus' },
      /ROLES has unknown role\(s\) bogus; valid roles: api, sensor, executor, worker, notifier/,
    ],
    [{ ROLES: ' , ' }, /ROLES is empty; valid roles: api, sensor, executor, worker, notifier/],
    [{ PORT: 'abc' }, /PORT/],
    [{ AMQP_URL: 'notaurl' }, /AMQP_URL/],
  ])('refuses to start with %p: exit 1 and one line saying why', async (env, message) => {
    const { code, output } = await runToExit(env);
    expect(code).toBe(1);
    expect(output).toMatch(message);
    expect(output.trim().split('\n')).toHaveLength(1);
  });

  it('serves /health/live while RabbitMQ is unreachable and recovers when it comes back', async () => {
    const proxy = new TcpProxy(await freePort(), '127.0.0.1', 5672);
    const app = await AttuneProcess.start({
      roles: 'executor',
      databaseUrl: db.url,
      prefix,
      env: { AMQP_URL: `amqp://guest:guest@127.0.0.1:${proxy.port}` },
    });
    started.push(app);
    await waitFor(async () => (await app.health('live')).status === 200, {
      description: 'liveness',
    });
    const ready = await waitFor(
      async () => {
        const health = await app.health('ready');
        return health.status === 503 && health.body.error?.broker ? health : undefined;
      },
      { description: 'readiness 503 naming the broker' },
    );
    expect(ready.body.error?.broker?.message).toContain(`127.0.0.1:${proxy.port}`);
    await waitFor(
      () =>
        app.output.some((line) =>
          line.includes(`waiting for RabbitMQ at amqp://guest:***@127.0.0.1:${proxy.port}`),
        ),
      { description: 'a log line naming the missing broker and its address' },
    );

    await proxy.open();
    try {
      await app.waitUntilReady();
      expect((await app.health('ready')).status).toBe(200);
    } finally {
      await app.kill();
      await proxy.close();
    }
  });

  it('serves /health/live while PostgreSQL is unreachable and recovers when it comes back', async () => {
    const proxy = new TcpProxy(await freePort(), '127.0.0.1', 5432);
    const url = new URL(db.url);
    url.port = String(proxy.port);
    const app = await AttuneProcess.start({ roles: 'api', databaseUrl: url.toString(), prefix });
    started.push(app);
    const ready = await waitFor(
      async () => {
        const health = await app.health('ready');
        return health.status === 503 && health.body.error?.database ? health : undefined;
      },
      { description: 'readiness 503 naming the database' },
    );
    expect(ready.body.error?.database?.message).toContain(`127.0.0.1:${proxy.port}`);
    expect((await app.health('live')).status).toBe(200);

    await proxy.open();
    try {
      await app.waitUntilReady();
    } finally {
      await app.kill();
      await proxy.close();
    }
  });

  it('goes unready naming a queue deleted behind its back', async () => {
    const { app } = await start('executor');
    const queue = `${prefix}.execution-status.queue`;
    await withChannel((channel) => channel.deleteQueue(queue));
    const health = await waitFor(
      async () => {
        const h = await app.health('ready');
        return h.status === 503 ? h : undefined;
      },
      { description: 'readiness 503 after the queue was deleted' },
    );
    expect(health.body.error?.topology?.message).toContain(`queue '${queue}' does not exist`);
    expect(JSON.stringify(health.body.error?.consumers)).toContain(queue);
    await app.kill();
  });

  it('exits 0 within a few seconds of SIGTERM', async () => {
    const { app } = await start('all');
    void app.stop();
    const exit = await waitFor(() => (app.child.exitCode !== null ? app.exited() : undefined), {
      timeoutMs: 10_000,
      description: 'exit after SIGTERM',
    });
    expect(exit.code).toBe(0);
    expect(app.output.join('\n')).toContain('SIGTERM: stopping');
  });
});
