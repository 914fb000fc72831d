import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config/app-config';
import { CorePackSeeder } from '../../src/database/core-pack.seeder';
import { DatabaseService } from '../../src/database/database.service';
import { ExecutionStore } from '../../src/stores/execution.store';
import { MetricsService } from '../../src/metrics/metrics.service';
import { TestDatabase } from '../support/database';

// The execution store against a real PostgreSQL: transitions asked for in the same turn.
describe('ExecutionStore transitions', () => {
  const testDb = new TestDatabase();
  let db: DatabaseService;
  let store: ExecutionStore;
  const workerId = randomUUID();

  const newExecution = async () => {
    const [row] = await store.insertRequested([
      {
        id: randomUUID(),
        actionRef: 'core.noop',
        parameters: {},
        correlationId: randomUUID(),
        createdBy: 'key:test',
      },
    ]);
    return row.id;
  };

  beforeAll(async () => {
    await testDb.create();
    db = new DatabaseService(
      loadConfig({ DATABASE_URL: testDb.url, AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672' }),
    );
    new CorePackSeeder(db);
    db.onModuleInit();
    await db.whenReady();
    store = new ExecutionStore(db, new MetricsService());
  });

  afterAll(async () => {
    await db?.onApplicationShutdown();
    await testDb.drop();
  });

  it('sends transitions of different executions to different statuses as one statement', async () => {
    const [a, b, c] = [await newExecution(), await newExecution(), await newExecution()];
    await store.transition(b, 'scheduled', { workerId });
    const statements = jest.spyOn(db, 'query');
    try {
      const outcomes = await Promise.all([
        store.transition(a, 'scheduled', { workerId }),
        store.transition(b, 'running', {}, { workerId }),
        store.transition(c, 'canceled', { error: 'not wanted' }),
      ]);
      expect(statements).toHaveBeenCalledTimes(1);
      expect(outcomes.map((o) => o.applied && o.row.status)).toEqual([
        'scheduled',
        'running',
        'canceled',
      ]);
      const [scheduled, running, canceled] = outcomes.map((o) => (o.applied ? o.row : undefined));
      expect(scheduled).toMatchObject({ worker_id: workerId, started_at: null });
      expect(scheduled?.scheduled_at).toBeInstanceOf(Date);
      expect(running?.started_at).toBeInstanceOf(Date);
      expect(running?.finished_at).toBeNull();
      expect(canceled).toMatchObject({ error: 'not wanted', worker_id: null });
      expect(canceled?.finished_at).toBeInstanceOf(Date);
    } finally {
      statements.mockRestore();
    }
  });

  it('applies two transitions of one execution asked in the same turn in the order asked', async () => {
    const id = await newExecution();
    const [scheduled, running] = await Promise.all([
      store.transition(id, 'scheduled', { workerId }),
      store.transition(id, 'running', {}, { workerId }),
    ]);
    expect(scheduled.applied).toBe(true);
    expect(running).toMatchObject({
      applied: true,
      row: { status: 'running', worker_id: workerId },
    });
  });

  it('claims a scheduled execution and records its outcome in one statement (pure actions)', async () => {
    const [mine, taken, elsewhere] = [
      await newExecution(),
      await newExecution(),
      await newExecution(),
    ];
    for (const id of [mine, taken]) await store.transition(id, 'scheduled', { workerId });
    await store.transition(taken, 'running', {}, { workerId });
    await store.transition(elsewhere, 'scheduled', { workerId: randomUUID() });
    const guard = { attempt: 1, workerId };
    const [finished, already, notMine] = await Promise.all([
      store.claimFinished(mine, 'succeeded', { result: { echoed: true } }, guard),
      store.claimFinished(taken, 'succeeded', { result: null }, guard),
      store.claimFinished(elsewhere, 'succeeded', { result: null }, guard),
    ]);
    expect(finished).toMatchObject({
      applied: true,
      row: { status: 'succeeded', worker_id: workerId, result: { echoed: true } },
    });
    const row = finished.applied ? finished.row : undefined;
    expect(row?.started_at).toBeInstanceOf(Date);
    expect(row?.started_at).toEqual(row?.finished_at);
    expect(already).toEqual({ applied: false, reason: 'noop', current: 'running' });
    expect(notMine).toEqual({ applied: false, reason: 'stale', current: 'scheduled' });
  });

  it('refuses what the state machine forbids and what another worker asks, whatever else is in the batch', async () => {
    const [done, elsewhere, fine] = [
      await newExecution(),
      await newExecution(),
      await newExecution(),
    ];
    await store.transition(done, 'canceled');
    await store.transition(elsewhere, 'scheduled', { workerId });
    const outcomes = await Promise.all([
      store.transition(done, 'running'),
      store.transition(elsewhere, 'running', {}, { workerId: randomUUID() }),
      store.transition(fine, 'scheduled', { workerId }),
    ]);
    expect(outcomes).toEqual([
      { applied: false, reason: 'illegal', current: 'canceled' },
      { applied: false, reason: 'stale', current: 'scheduled' },
      expect.objectContaining({ applied: true }),
    ]);
  });

  it('applies a transition guarded by its starting status only from that status', async () => {
    const scheduled = await newExecution();
    await store.transition(scheduled, 'scheduled', { workerId });
    const running = await newExecution();
    await store.transition(running, 'scheduled', { workerId });
    await store.transition(running, 'running', {}, { workerId });

    const [fromScheduled, fromRunning] = await Promise.all([
      store.transition(scheduled, 'failed', { error: 'expired' }, { from: 'scheduled' }),
      store.transition(running, 'failed', { error: 'expired' }, { from: 'scheduled' }),
    ]);
    expect(fromScheduled).toMatchObject({ applied: true, row: { status: 'failed' } });
    expect(fromRunning).toEqual({ applied: false, reason: 'stale', current: 'running' });
    expect((await store.get(running))?.status).toBe('running');
  });

  it('applies a transition guarded by its offer only to that offer, not to one made again later', async () => {
    const id = await newExecution();
    const first = await store.transition(id, 'scheduled', { workerId });
    const firstOffer = new Date(first.applied ? first.row.scheduled_at! : 0).toISOString();
    await store.transition(id, 'requested', {}, { workerId });
    // A real re-offer waits at least a second in the line; here a few milliseconds will do.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const again = await store.transition(id, 'scheduled', { workerId });
    const currentOffer = new Date(again.applied ? again.row.scheduled_at! : 0).toISOString();

    const stale = await store.transition(id, 'failed', {}, { workerId, scheduledAt: firstOffer });
    expect(stale).toEqual({ applied: false, reason: 'stale', current: 'scheduled' });
    const current = await store.transition(
      id,
      'failed',
      {},
      { workerId, scheduledAt: currentOffer },
    );
    expect(current).toMatchObject({ applied: true, row: { status: 'failed' } });
  });
});
