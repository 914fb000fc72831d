import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AttuneProcess, freePort } from '../support/attune-process';
import { TestDatabase } from '../support/database';
import { closeConnectionsOf, deleteTopology, uniquePrefix } from '../support/rabbit';
import { TcpProxy } from '../support/tcp-proxy';
import { waitFor } from '../support/wait-for';

/** Faults of the broker connection with work in flight, on real processes. */
describe('broker faults: connections closed under load and while declaring', () => {
  const db = new TestDatabase();
  const prefix = uniquePrefix('brokerfault');
  const dir = mkdtempSync(join(tmpdir(), 'attune-broker-faults-'));
  const processes: AttuneProcess[] = [];

  beforeAll(() => db.create());
  afterAll(async () => {
    for (const app of processes) await app.stop();
    await deleteTopology(prefix);
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('rides out its connections closing with handlers in flight: alive, everything run once', async () => {
    const instance = `${prefix}-loaded`;
    // Few worker slots: the scheduler holds most requests in its handler while it waits for one,
    // so closing the connections finds many handlers in flight, which then finish (and ack) on
    // channels that are gone.
    const app = await AttuneProcess.startReady({
      roles: 'all',
      databaseUrl: db.url,
      prefix,
      env: { INSTANCE_ID: instance, WORKER_CAPACITY: '3' },
    });
    processes.push(app);
    const runs = join(dir, 'runs.txt');
    const total = 40;
    const requested = await Promise.all(
      Array.from({ length: total }, (_, n) =>
        app.request('POST', '/api/v1/executions', {
          action: 'core.shell',
          parameters: { cmd: 'sleep 0.3; echo "$1" >> "$2"', args: [String(n), runs] },
        }),
      ),
    );
    expect(requested.every((r) => r.status === 201)).toBe(true);
    expect(await closeConnectionsOf(instance)).toBeGreaterThan(0);
    await waitFor(async () => (await app.health('ready')).status === 200, {
      description: 'connections back',
    });
    expect(await closeConnectionsOf(instance)).toBeGreaterThan(0);
    await waitFor(
      async () => {
        const page = await app.request('GET', '/api/v1/executions?status=succeeded&limit=1');
        return page.body.total === total;
      },
      { timeoutMs: 90_000, description: `${total} executions succeeded` },
    );
    expect(app.child.exitCode).toBeNull();
    const lines = readFileSync(runs, 'utf8').trim().split('\n');
    const counts = new Map<string, number>();
    for (const n of lines) counts.set(n, (counts.get(n) ?? 0) + 1);
    expect(counts.size).toBe(total);
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
    // stop() fails on any unhandled rejection the process logged meanwhile.
    await app.stop();
    processes.splice(processes.indexOf(app), 1);
  }, 150_000);

  it('starts its consumers again when connections are cut while it declares its topology', async () => {
    const proxy = new TcpProxy(await freePort(), '127.0.0.1', 5672);
    await proxy.open();
    // Part-way through the declarations of the first three connections.
    proxy.cutNextConnections(3, 2500);
    try {
      const app = await AttuneProcess.start({
        roles: 'executor',
        databaseUrl: db.url,
        prefix,
        env: { AMQP_URL: `amqp://guest:guest@127.0.0.1:${proxy.port}` },
      });
      processes.push(app);
      const pid = app.pid;
      await app.waitUntilReady(60_000);
      expect(proxy.cutCount).toBe(3);
      const ready = await app.health('ready');
      expect(ready.status).toBe(200);
      const consumers = ready.body.details.consumers as unknown as {
        consumers: Array<{ active: boolean }>;
      };
      expect(consumers.consumers).toHaveLength(5);
      expect(consumers.consumers.every((c) => c.active)).toBe(true);
      // The same process, never restarted, and alive by its own account.
      expect(app.pid).toBe(pid);
      expect(app.child.exitCode).toBeNull();
      expect((await app.health('live')).status).toBe(200);
    } finally {
      await proxy.close();
    }
  });
});
