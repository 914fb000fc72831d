import { AttuneProcess } from '../support/attune-process';
import { createOk, createTriggerWithRule, TERMINAL, webhook } from '../support/attune-api';
import { TestDatabase } from '../support/database';
import { deleteTopology, uniquePrefix } from '../support/rabbit';
import { waitFor } from '../support/wait-for';

/** Roles split over separate OS processes of the built app, as in production. */
describe('execution path with roles split over processes', () => {
  const db = new TestDatabase();
  const prefix = uniquePrefix('split');
  const processes: AttuneProcess[] = [];
  let api: AttuneProcess;
  let executor: AttuneProcess;

  const start = async (roles: string, env: Record<string, string> = {}) => {
    const app = await AttuneProcess.startReady({ roles, databaseUrl: db.url, prefix, env });
    processes.push(app);
    return app;
  };

  const statusCounts = async () => {
    const rows = await db.query<{ status: string; n: string }>(
      'SELECT status, count(*) AS n FROM execution GROUP BY status',
    );
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  };

  beforeAll(async () => {
    await db.create();
    api = await start('api');
    executor = await start('executor');
    await createTriggerWithRule(api, 'demo.tick', {
      ref: 'demo.on_tick',
      action: 'core.echo',
      parameters: { seq: '{{ event.payload.seq }}' },
    });
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await deleteTopology(prefix);
    await db.drop();
  });

  it('keeps executions requested while no worker runs, and runs them once one starts', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await createOk(api, '/api/v1/executions', { action: 'core.noop' })).id);
    }
    // The scheduler has seen them and found no worker: they wait, they do not fail.
    await waitFor(
      async () =>
        (await executor.metric('attune_messages_acked_total', {
          queue: `${prefix}.executions.queue`,
        })) === 3,
      { description: 'the scheduler to handle the three requests' },
    );
    expect(await statusCounts()).toEqual({ requested: 3 });

    await start('worker', { WORKER_NAME: 'worker-a', WORKER_CAPACITY: '20' });
    await waitFor(async () => (await statusCounts()).succeeded === 3, {
      description: 'the waiting executions to run on the new worker',
    });
  });

  it('runs 200 webhook events as exactly 200 executions, spread over two workers', async () => {
    await start('worker', { WORKER_NAME: 'worker-b', WORKER_CAPACITY: '20' });
    const before = (await statusCounts()).succeeded ?? 0;
    const seqs = Array.from({ length: 200 }, (_, i) => i);
    for (let i = 0; i < seqs.length; i += 20) {
      await Promise.all(seqs.slice(i, i + 20).map((seq) => webhook(api, 'demo.tick', { seq })));
    }
    await waitFor(
      async () => {
        const counts = await statusCounts();
        const terminal = TERMINAL.reduce((sum, s) => sum + (counts[s] ?? 0), 0);
        return terminal >= before + 200 ? counts : undefined;
      },
      { timeoutMs: 60_000, description: '200 more executions to finish' },
    );
    expect(await statusCounts()).toEqual({ succeeded: before + 200 });

    const rows = await db.query<{ seq: number; n: string }>(
      `SELECT (x.result->>'seq')::int AS seq, count(*) AS n FROM execution x
        WHERE x.enforcement_id IS NOT NULL GROUP BY 1 ORDER BY 1`,
    );
    expect(rows.map((r) => r.seq)).toEqual(seqs);
    expect(rows.every((r) => Number(r.n) === 1)).toBe(true);

    const perWorker = await db.query<{ name: string; n: string }>(
      `SELECT w.name, count(*) AS n FROM execution x JOIN worker w ON w.id = x.worker_id
        WHERE x.enforcement_id IS NOT NULL GROUP BY w.name ORDER BY w.name`,
    );
    expect(perWorker.map((r) => r.name)).toEqual(['worker-a', 'worker-b']);
    expect(perWorker.every((r) => Number(r.n) > 0)).toBe(true);
  });
});
