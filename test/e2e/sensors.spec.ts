import { createServer, Server } from 'node:http';
import { AttuneProcess, freePort } from '../support/attune-process';
import { createOk } from '../support/attune-api';
import { TestDatabase } from '../support/database';
import { deleteTopology, uniquePrefix } from '../support/rabbit';
import { waitFor } from '../support/wait-for';

describe('sensors', () => {
  const db = new TestDatabase();
  const prefix = uniquePrefix('sens');
  const processes: AttuneProcess[] = [];
  let core: AttuneProcess;
  let sensors: AttuneProcess[];

  const eventsOf = async (sensor: string) =>
    db.query<{ id: string; payload: any }>(
      `SELECT id, payload FROM event WHERE source = $1 ORDER BY created_at`,
      [`sensor:${sensor}`],
    );

  /** EventCreated messages the sensor processes published, summed over both. */
  const publishedEvents = async () => {
    let total = 0;
    for (const sensor of sensors) {
      const { body } = await sensor.request('GET', '/metrics');
      const match = /attune_messages_published_total\{[^}]*type="EventCreated"\} (\d+)/.exec(
        body as string,
      );
      total += match ? Number(match[1]) : 0;
    }
    return total;
  };

  beforeAll(async () => {
    await db.create();
    core = await AttuneProcess.startReady({
      roles: 'api,executor,worker',
      databaseUrl: db.url,
      prefix,
      env: { WORKER_NAME: 'w' },
    });
    processes.push(core);
    sensors = await Promise.all(
      ['s1', 's2'].map((id) =>
        AttuneProcess.startReady({
          roles: 'sensor',
          databaseUrl: db.url,
          prefix,
          env: { INSTANCE_ID: id },
        }),
      ),
    );
    processes.push(...sensors);
    await createOk(core, '/api/v1/rules', {
      ref: 'demo.on_timer',
      trigger: 'core.timer',
      action: 'core.echo',
      parameters: { sensor: '{{ event.payload.sensor }}', at: '{{ event.payload.fired_at }}' },
    });
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await deleteTopology(prefix);
    await db.drop();
  });

  it('fires a 1 s timer once per tick across two sensor replicas, with executions, until disabled', async () => {
    await createOk(core, '/api/v1/sensors', {
      ref: 'demo.every_1s',
      type: 'timer',
      trigger: 'core.timer',
      config: { interval_ms: 1000 },
    });
    const events = await waitFor(
      async () => {
        const rows = await eventsOf('demo.every_1s');
        return rows.length >= 4 ? rows : undefined;
      },
      { description: 'four timer events' },
    );
    const ticks = events.map((e) => e.payload.fired_at as string);
    expect(new Set(ticks).size).toBe(ticks.length);
    for (let i = 1; i < ticks.length; i++) {
      expect(Date.parse(ticks[i]) - Date.parse(ticks[i - 1])).toBe(1000);
    }
    // One publish per tick in all: the replicas did not both fire any tick.
    const stored = (await eventsOf('demo.every_1s')).length;
    expect(await publishedEvents()).toBeLessThanOrEqual(stored + 1); // +1: a tick in flight now
    await waitFor(
      async () => {
        const rows = await db.query<{ n: string }>(
          `SELECT count(*) AS n FROM execution WHERE status = 'succeeded' AND result->>'sensor' = 'demo.every_1s'`,
        );
        return Number(rows[0].n) >= 4;
      },
      { description: 'executions of the timer events' },
    );

    // A second timer (on a trigger no rule watches) is the clock for "nothing more happened".
    await createOk(core, '/api/v1/triggers', { ref: 'demo.unwatched' });
    await createOk(core, '/api/v1/sensors', {
      ref: 'demo.clock',
      type: 'timer',
      trigger: 'demo.unwatched',
      config: { cron: '* * * * * *' },
    });
    const disabled = await core.request('PUT', '/api/v1/sensors/demo.every_1s', {
      ref: 'demo.every_1s',
      type: 'timer',
      trigger: 'core.timer',
      config: { interval_ms: 1000 },
      enabled: false,
    });
    expect(disabled.status).toBe(200);
    await waitFor(
      () => sensors.every((s) => s.output.some((l) => l.includes('sensor demo.every_1s stopped'))),
      { description: 'both replicas to stop the sensor' },
    );
    const frozen = (await eventsOf('demo.every_1s')).length;
    const clockAt = (await eventsOf('demo.clock')).length;
    await waitFor(async () => (await eventsOf('demo.clock')).length >= clockAt + 3, {
      description: 'three more ticks of the clock sensor',
    });
    expect((await eventsOf('demo.every_1s')).length).toBe(frozen);
  });

  it('emits an http-poll event when the response changes, and not while it stays the same', async () => {
    let body = JSON.stringify({ version: 1 });
    let hits = 0;
    const server: Server = createServer((_req, res) => {
      hits++;
      res.setHeader('content-type', 'application/json');
      res.end(body);
    });
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      await createOk(core, '/api/v1/triggers', { ref: 'demo.page_changed' });
      await createOk(core, '/api/v1/sensors', {
        ref: 'demo.watch_page',
        type: 'http_poll',
        trigger: 'demo.page_changed',
        config: { url: `http://127.0.0.1:${port}/status`, interval_ms: 200 },
      });
      await waitFor(() => hits >= 5, { description: 'five polls of an unchanged page' });
      expect(await eventsOf('demo.watch_page')).toEqual([]);

      body = JSON.stringify({ version: 2 });
      const [changed] = await waitFor(
        async () => {
          const rows = await eventsOf('demo.watch_page');
          return rows.length ? rows : undefined;
        },
        { description: 'an event for the change' },
      );
      expect(changed.payload).toMatchObject({
        sensor: 'demo.watch_page',
        status: 200,
        body: { version: 2 },
      });

      const polled = hits;
      await waitFor(() => hits >= polled + 5, { description: 'five more polls of the same page' });
      expect(await eventsOf('demo.watch_page')).toHaveLength(1);
    } finally {
      server.close();
    }
  });
});
