import { AttuneProcess } from '../support/attune-process';
import { ADMIN_AUTH } from '../support/env';
import { createOk, createTriggerWithRule, TERMINAL, webhook } from '../support/attune-api';
import { TestDatabase } from '../support/database';
import { deleteTopology, ExchangeTap, uniquePrefix } from '../support/rabbit';
import { waitFor } from '../support/wait-for';

const FLOOD = 200;
const HANDLER_SECONDS = 'attune_message_handler_duration_seconds';

/**
 * Far more work than the one worker has room for: it waits in PostgreSQL and is started as
 * slots free, never held as messages in a consumer, never offered twice (decision 014).
 */
describe('overload: a single worker of capacity 2 flooded with 200 executions', () => {
  const db = new TestDatabase();
  const prefix = uniquePrefix('flood');
  let app: AttuneProcess;
  let toScheduler: ExchangeTap;
  let toWorker: ExchangeTap;

  beforeAll(async () => {
    await db.create();
    app = await AttuneProcess.startReady({
      databaseUrl: db.url,
      prefix,
      env: { WORKER_NAME: 'narrow', WORKER_CAPACITY: '2' },
    });
    // A direct exchange: one tap per routing key.
    const [worker] = await db.query<{ id: string }>(`SELECT id FROM worker`);
    toScheduler = await ExchangeTap.open(`${prefix}.executions`, 'execution.requested');
    toWorker = await ExchangeTap.open(`${prefix}.executions`, `worker.${worker.id}`);
    await createTriggerWithRule(app, 'demo.flood', {
      ref: 'demo.on_flood',
      action: 'core.sleep',
      parameters: { seconds: 0.02 },
    });
  });

  afterAll(async () => {
    await toScheduler?.close();
    await toWorker?.close();
    await app?.stop();
    await deleteTopology(prefix);
    await db.drop();
  });

  const handlerSeconds = (queue: string, suffix: string, labels: Record<string, string> = {}) =>
    app.metric(`${HANDLER_SECONDS}_${suffix}`, { queue: `${prefix}.${queue}`, ...labels });

  it('runs every one, holds no message over a second and offers none twice', async () => {
    // Half through rules (the enforcement processor), half as manual runs (the scheduler).
    const manual: string[] = [];
    for (let i = 0; i < FLOOD / 2; i += 20) {
      await Promise.all(
        Array.from({ length: 20 }, async (_, j) => {
          await webhook(app, 'demo.flood', { seq: i + j });
          const { id } = await createOk(app, '/api/v1/executions', {
            action: 'core.sleep',
            parameters: { seconds: 0.02 },
          });
          manual.push(id as string);
        }),
      );
    }

    const counts = await waitFor(
      async () => {
        const rows = await db.query<{ status: string; n: number }>(
          'SELECT status, count(*)::int AS n FROM execution GROUP BY status',
        );
        const byStatus = Object.fromEntries(rows.map((r) => [r.status, r.n]));
        const ended = TERMINAL.reduce((sum, s) => sum + (byStatus[s] ?? 0), 0);
        return ended === FLOOD ? byStatus : undefined;
      },
      { timeoutMs: 60_000, description: `all ${FLOOD} executions to end` },
    );
    expect(counts).toEqual({ succeeded: FLOOD });

    // Most of them had to wait for a slot: the test is about that wait.
    const [{ waited }] = await db.query<{ waited: number }>(
      `SELECT count(*)::int AS waited FROM execution
        WHERE scheduled_at - created_at > interval '100 milliseconds'`,
    );
    expect(waited).toBeGreaterThan(FLOOD / 2);

    // Every execution went to the worker exactly once.
    const sent = new Map<string, number>();
    for (const { payload } of toWorker.bodies<{ payload: { execution_id: string } }>()) {
      sent.set(payload.execution_id, (sent.get(payload.execution_id) ?? 0) + 1);
    }
    expect(sent.size).toBe(FLOOD);
    expect([...sent.values()].every((n) => n === 1)).toBe(true);
    // Only manual runs are announced to the scheduler, each once.
    const announced = toScheduler.bodies<{ payload: { execution_id: string } }>();
    expect(announced.map((m) => m.payload.execution_id).sort()).toEqual([...manual].sort());

    // No handler held its message for more than a second.
    for (const queue of ['executions.queue', 'events.queue']) {
      const all = await handlerSeconds(queue, 'count');
      expect(all).toBeGreaterThan(0);
      expect(await handlerSeconds(queue, 'bucket', { le: '1' })).toBe(all);
    }
  });
});

describe('backpressure: past MAX_BACKLOG, new work is turned away with 429', () => {
  const db = new TestDatabase();
  const prefix = uniquePrefix('backlog');
  const LIMIT = 20;
  const processes: AttuneProcess[] = [];
  let api: AttuneProcess;

  beforeAll(async () => {
    await db.create();
    // No worker yet: whatever is accepted waits.
    api = await AttuneProcess.startReady({
      roles: 'api,executor',
      databaseUrl: db.url,
      prefix,
      env: { MAX_BACKLOG: String(LIMIT) },
    });
    processes.push(api);
    await createTriggerWithRule(api, 'demo.pile', { ref: 'demo.on_pile', action: 'core.noop' });
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await deleteTopology(prefix);
    await db.drop();
  });

  it('answers 429 with Retry-After to webhooks and manual runs, shows the backlog, and accepts again once it drains', async () => {
    for (let i = 0; i < LIMIT; i++) await webhook(api, 'demo.pile', { seq: i });
    await waitFor(async () => (await api.metric('attune_backlog')) === LIMIT, {
      description: `the backlog metric to read ${LIMIT}`,
    });
    expect(await api.metric('attune_backlog_limit')).toBe(LIMIT);

    const refused = await api.request('POST', '/api/v1/webhooks/demo.pile', { seq: 'late' });
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: expect.stringContaining('over MAX_BACKLOG (20)'),
    });
    const run = await api.request('POST', '/api/v1/executions', { action: 'core.noop' });
    expect(run.status).toBe(429);
    const raw = await fetch(`${api.url}/api/v1/executions`, {
      method: 'POST',
      headers: { ...ADMIN_AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'core.noop' }),
    });
    expect(raw.status).toBe(429);
    expect(Number(raw.headers.get('retry-after'))).toBeGreaterThan(0);
    // Reading is never turned away, and nothing refused was stored.
    const listed = await api.request('GET', '/api/v1/executions?limit=1');
    expect(listed.status).toBe(200);
    expect(listed.body.total).toBe(LIMIT);

    processes.push(
      await AttuneProcess.startReady({ roles: 'worker', databaseUrl: db.url, prefix }),
    );
    await waitFor(async () => (await api.metric('attune_backlog')) === 0, {
      timeoutMs: 30_000,
      description: 'the backlog to drain once a worker runs',
    });
    expect((await api.request('POST', '/api/v1/webhooks/demo.pile', { seq: 'again' })).status).toBe(
      202,
    );
  });
});
