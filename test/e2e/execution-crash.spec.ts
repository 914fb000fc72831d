import { AttuneProcess } from '../support/attune-process';
import {
  createOk,
  createTriggerWithRule,
  executionReaches,
  TERMINAL,
  webhook,
} from '../support/attune-api';
import { TestDatabase } from '../support/database';
import { deleteTopology, uniquePrefix } from '../support/rabbit';
import { waitFor } from '../support/wait-for';

describe('crashes and shutdowns lose and duplicate nothing', () => {
  const db = new TestDatabase();
  const prefix = uniquePrefix('crash');
  const processes: AttuneProcess[] = [];
  let api: AttuneProcess;

  const start = async (roles: string, env: Record<string, string> = {}) => {
    const app = await AttuneProcess.startReady({ roles, databaseUrl: db.url, prefix, env });
    processes.push(app);
    return app;
  };

  beforeAll(async () => {
    await db.create();
    api = await start('api');
    await start('worker', { WORKER_NAME: 'steady', WORKER_CAPACITY: '50' });
    await createTriggerWithRule(api, 'demo.burst', {
      ref: 'demo.on_burst',
      action: 'core.echo',
      parameters: { seq: '{{ event.payload.seq }}' },
    });
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await deleteTopology(prefix);
    await db.drop();
  });

  it('survives an executor killed with SIGKILL in the middle of a burst of 500 events', async () => {
    const executor = await start('executor');
    const sending = (async () => {
      const ids: string[] = [];
      for (let seq = 0; seq < 500; seq += 25) {
        const batch = Array.from({ length: 25 }, (_, i) => seq + i);
        ids.push(...(await Promise.all(batch.map((s) => webhook(api, 'demo.burst', { seq: s })))));
      }
      return ids;
    })();
    await waitFor(
      async () => {
        const [row] = await db.query<{ n: string }>(
          `SELECT count(*) AS n FROM execution WHERE status = 'succeeded'`,
        );
        return Number(row.n) >= 50;
      },
      { description: 'the burst under way' },
    );
    await executor.kill('SIGKILL');
    const eventIds = await sending;
    await start('executor');

    await waitFor(
      async () => {
        const [row] = await db.query<{ n: string }>(
          `SELECT count(*) AS n FROM execution x JOIN enforcement f ON f.id = x.enforcement_id
            WHERE f.event_id = ANY($1) AND x.status = ANY($2)`,
          [eventIds, TERMINAL],
        );
        return Number(row.n) === 500;
      },
      { timeoutMs: 60_000, description: 'every event to have a finished execution' },
    );
    const perEvent = await db.query<{ event_id: string; executions: string; statuses: string[] }>(
      `SELECT e.id AS event_id, count(x.id) AS executions, array_agg(DISTINCT x.status) AS statuses
         FROM event e LEFT JOIN enforcement f ON f.event_id = e.id
         LEFT JOIN execution x ON x.enforcement_id = f.id
        WHERE e.id = ANY($1) GROUP BY e.id`,
      [eventIds],
    );
    expect(perEvent).toHaveLength(500);
    expect(perEvent.filter((r) => Number(r.executions) !== 1)).toEqual([]);
    expect(new Set(perEvent.flatMap((r) => r.statuses))).toEqual(new Set(['succeeded']));
  });

  it('lets a worker sent SIGTERM finish its running execution before it exits', async () => {
    const leaving = await start('worker', { WORKER_NAME: 'leaving', WORKER_CAPACITY: '5' });
    // Make sure the execution lands on the leaving worker: the steady one is asked to stop first.
    const steady = processes.find((p) => p.output.join('\n').includes('worker steady'))!;
    await steady.stop();
    const created = await createOk(api, '/api/v1/executions', {
      action: 'core.sleep',
      parameters: { seconds: 2 },
    });
    await executionReaches(api, created.id, ['running']);
    void leaving.stop();
    await waitFor(() => leaving.output.some((l) => l.includes('SIGTERM')), {
      description: 'the worker to begin stopping',
    });
    const exit = await leaving.exited();
    expect(exit.code).toBe(0);
    const [row] = await db.query<{ status: string; result: unknown }>(
      'SELECT status, result FROM execution WHERE id = $1',
      [created.id],
    );
    expect(row).toEqual({ status: 'succeeded', result: { slept: 2 } });
    const [worker] = await db.query<{ status: string }>(
      `SELECT status FROM worker WHERE name = 'leaving'`,
    );
    expect(worker.status).toBe('inactive');
  });
});
