import { AttuneProcess } from '../support/attune-process';
import { createOk, executionReaches, TERMINAL } from '../support/attune-api';
import { TestDatabase } from '../support/database';
import { deleteTopology, uniquePrefix } from '../support/rabbit';
import { MAX_RETURNS_TO_LINE } from '../../src/roles/executor/dead-letter-handler.consumer';
import { waitFor } from '../support/wait-for';

/** A suite with its own database, prefix and processes. */
function cluster(label: string) {
  const db = new TestDatabase();
  const prefix = uniquePrefix(label);
  const processes: AttuneProcess[] = [];
  return {
    db,
    prefix,
    async start(roles: string, env: Record<string, string>) {
      const app = await AttuneProcess.startReady({ roles, databaseUrl: db.url, prefix, env });
      processes.push(app);
      return app;
    },
    async stopAll() {
      for (const p of processes) p.child.kill('SIGCONT');
      await Promise.all(processes.map((p) => p.kill()));
      await deleteTopology(prefix);
      await db.drop();
    },
  };
}

const workerOf = async (c: ReturnType<typeof cluster>, id: string) => {
  const [row] = await c.db.query<{ name: string | null; status: string }>(
    `SELECT w.name, x.status FROM execution x LEFT JOIN worker w ON w.id = x.worker_id WHERE x.id = $1`,
    [id],
  );
  return row;
};

describe('a worker killed with SIGKILL', () => {
  const c = cluster('reap');
  const fast = { WORKER_HEARTBEAT_MS: '500' };
  let api: AttuneProcess;

  beforeAll(async () => {
    await c.db.create();
    api = await c.start('api,executor', fast);
    await createOk(api, '/api/v1/actions', {
      ref: 'demo.long',
      runner: 'sleep',
      parameters_schema: { type: 'object', properties: { seconds: { type: 'number' } } },
    });
    await createOk(api, '/api/v1/actions', {
      ref: 'demo.retryable',
      runner: 'sleep',
      parameters_schema: { type: 'object', properties: { seconds: { type: 'number' } } },
      retry_on_worker_loss: true,
    });
  });

  afterAll(() => c.stopAll());

  it('has its scheduled executions finish elsewhere and its running ones abandoned', async () => {
    const doomed = await c.start('worker', {
      ...fast,
      WORKER_NAME: 'doomed',
      WORKER_CAPACITY: '10',
    });
    const long = await createOk(api, '/api/v1/executions', {
      action: 'demo.long',
      parameters: { seconds: 60 },
    });
    const retryable = await createOk(api, '/api/v1/executions', {
      action: 'demo.retryable',
      parameters: { seconds: 1 },
    });
    await executionReaches(api, long.id, ['running']);
    await executionReaches(api, retryable.id, ['running']);

    // Frozen, it still looks alive for a moment: new work is scheduled to it but never started.
    doomed.child.kill('SIGSTOP');
    const queued = [
      await createOk(api, '/api/v1/executions', { action: 'core.echo', parameters: { n: 1 } }),
      await createOk(api, '/api/v1/executions', { action: 'core.echo', parameters: { n: 2 } }),
    ];
    for (const execution of queued) {
      const at = await waitFor(
        async () => {
          const row = await workerOf(c, execution.id);
          return row.status !== 'requested' ? row : undefined;
        },
        { description: 'the echo scheduled' },
      );
      expect(at).toEqual({ name: 'doomed', status: 'scheduled' });
    }
    await doomed.kill('SIGKILL');
    await c.start('worker', { ...fast, WORKER_NAME: 'rescuer', WORKER_CAPACITY: '10' });

    for (const execution of queued) {
      const done = await executionReaches(api, execution.id, TERMINAL);
      expect(done.status).toBe('succeeded');
      expect((await workerOf(c, execution.id)).name).toBe('rescuer');
    }
    const abandoned = await executionReaches(api, long.id, TERMINAL);
    expect(abandoned.status).toBe('abandoned');
    expect(abandoned.error).toContain('stopped heartbeating');
    const retried = await executionReaches(api, retryable.id, TERMINAL);
    expect(retried).toMatchObject({ status: 'succeeded', attempt: 2, result: { slept: 1 } });
    expect((await workerOf(c, retryable.id)).name).toBe('rescuer');

    const [worker] = await c.db.query<{ status: string }>(
      `SELECT status FROM worker WHERE name = 'doomed'`,
    );
    expect(worker.status).toBe('inactive');
    const open = await c.db.query(`SELECT id FROM execution WHERE status <> ALL($1)`, [TERMINAL]);
    expect(open).toEqual([]);
  });
});

describe('a worker that stops consuming (SIGSTOP) with a short queue TTL', () => {
  const c = cluster('ttl');
  // Slow heartbeats keep the reaper out of it: this is the dead-letter handler's case.
  const env = { WORKER_HEARTBEAT_MS: '20000', EXECUTION_QUEUE_TTL_MS: '800' };
  let api: AttuneProcess;

  beforeAll(async () => {
    await c.db.create();
    api = await c.start('api,executor', env);
  });

  afterAll(() => c.stopAll());

  it('offers its queued executions again as they expire, and fails them after the last return to the line', async () => {
    const stuck = await c.start('worker', { ...env, WORKER_NAME: 'stuck' });
    stuck.child.kill('SIGSTOP');
    const ids = [
      (await createOk(api, '/api/v1/executions', { action: 'core.noop' })).id,
      (await createOk(api, '/api/v1/executions', { action: 'core.noop' })).id,
    ];
    for (const id of ids) {
      // Messages the frozen consumer had already been handed come back (and expire) only when
      // the broker gives up on its connection (missed AMQP heartbeats): allow for that.
      // Then each re-offer waits 1, 2, 4 and 8 s in the line before it goes (and expires) again.
      const failed = await executionReaches(api, id, TERMINAL, 100_000);
      expect(failed.status).toBe('failed');
      expect(failed.error).toMatch(
        new RegExp(
          `^no worker took the execution within 800 ms \\(EXECUTION_QUEUE_TTL_MS\\), ${MAX_RETURNS_TO_LINE} times; the last was [0-9a-f-]+$`,
        ),
      );
      expect((await workerOf(c, id)).name).toBe('stuck');
    }
    stuck.child.kill('SIGCONT');
    const rows = await c.db.query<{ status: string }>(
      'SELECT status FROM execution WHERE id = ANY($1)',
      [ids],
    );
    expect(rows.map((r) => r.status)).toEqual(['failed', 'failed']);
  }, 240_000);
});
