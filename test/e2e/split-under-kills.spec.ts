import { AttuneProcess } from '../support/attune-process';
import { createTriggerWithRule, TERMINAL, webhook } from '../support/attune-api';
import { TestDatabase } from '../support/database';
import { deleteTopology, uniquePrefix } from '../support/rabbit';
import { waitFor } from '../support/wait-for';

const EVENTS = 2000;

// Roles split as a deployment runs them (api, two executors, two workers), on both transports
// (the on-postgres jest project runs it on PostgreSQL): a burst with a worker and an executor
// killed in the middle of it.
describe('split roles under a burst with kills', () => {
  const db = new TestDatabase();
  const prefix = uniquePrefix('splitkill');
  const processes: AttuneProcess[] = [];

  const start = async (roles: string, env: Record<string, string> = {}) => {
    const app = await AttuneProcess.startReady({ roles, databaseUrl: db.url, prefix, env });
    processes.push(app);
    return app;
  };
  const succeeded = async () => {
    const [row] = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM execution WHERE status = 'succeeded'`,
    );
    return Number(row.n);
  };

  beforeAll(async () => db.create());

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await deleteTopology(prefix);
    await db.drop();
  });

  it(`runs ${EVENTS} webhooks as exactly ${EVENTS} executions on both workers, though a worker and an executor are SIGKILLed mid-burst`, async () => {
    const api = await start('api');
    const executorOne = await start('executor');
    await start('executor');
    const workerOne = await start('worker', { WORKER_NAME: 'worker-1', WORKER_CAPACITY: '20' });
    await start('worker', { WORKER_NAME: 'worker-2', WORKER_CAPACITY: '20' });
    await createTriggerWithRule(api, 'demo.split', {
      ref: 'demo.on_split',
      action: 'core.echo',
      parameters: { seq: '{{ event.payload.seq }}' },
    });

    const sending = (async () => {
      const ids: string[] = [];
      for (let seq = 0; seq < EVENTS; seq += 50) {
        const batch = Array.from({ length: 50 }, (_, i) => seq + i);
        ids.push(...(await Promise.all(batch.map((s) => webhook(api, 'demo.split', { seq: s })))));
      }
      return ids;
    })();
    await waitFor(async () => (await succeeded()) >= 300, { description: 'the burst under way' });
    await workerOne.kill('SIGKILL');
    await executorOne.kill('SIGKILL');
    // Started again as an orchestrator would; the worker keeps its name, and so its id.
    await start('worker', { WORKER_NAME: 'worker-1', WORKER_CAPACITY: '20' });
    await start('executor');
    const eventIds = await sending;
    expect(eventIds).toHaveLength(EVENTS);

    await waitFor(
      async () => {
        const [row] = await db.query<{ n: string }>(
          `SELECT count(*) AS n FROM execution x JOIN enforcement f ON f.id = x.enforcement_id
            WHERE f.event_id = ANY($1) AND x.status = ANY($2)`,
          [eventIds, TERMINAL],
        );
        return Number(row.n) === EVENTS;
      },
      { timeoutMs: 120_000, description: 'every event to have a finished execution' },
    );
    const perEvent = await db.query<{ executions: string; statuses: string[] }>(
      `SELECT count(x.id) AS executions, array_agg(DISTINCT x.status) AS statuses
         FROM event e LEFT JOIN enforcement f ON f.event_id = e.id
         LEFT JOIN execution x ON x.enforcement_id = f.id
        WHERE e.id = ANY($1) GROUP BY e.id`,
      [eventIds],
    );
    expect(perEvent).toHaveLength(EVENTS);
    expect(perEvent.filter((r) => Number(r.executions) !== 1)).toEqual([]);
    expect(new Set(perEvent.flatMap((r) => r.statuses))).toEqual(new Set(['succeeded']));
    const workers = await db.query<{ name: string; n: string }>(
      `SELECT w.name, count(*) AS n FROM execution x JOIN worker w ON w.id = x.worker_id
        GROUP BY w.name ORDER BY w.name`,
    );
    expect(workers.map((w) => w.name)).toEqual(['worker-1', 'worker-2']);
  }, 300_000);
});
