import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config/app-config';
import { CorePackSeeder } from '../../src/database/core-pack.seeder';
import { DatabaseService } from '../../src/database/database.service';
import { SLOTS_FREED_CHANNEL } from '../../src/stores/execution-transitions';
import { ExecutionStore } from '../../src/stores/execution.store';
import { MetricsService } from '../../src/metrics/metrics.service';
import { PgListener } from '../../src/stores/pg-listener';
import { TestDatabase } from '../support/database';
import { waitFor } from '../support/wait-for';

// The waiting line and the slot announcements against a real PostgreSQL (decision 014).
describe('ExecutionStore: the waiting line', () => {
  const testDb = new TestDatabase();
  let db: DatabaseService;
  let store: ExecutionStore;
  const workerId = randomUUID();

  const requested = async (actionRef: string) => {
    const [row] = await store.insertRequested([
      { id: randomUUID(), actionRef, parameters: {}, correlationId: randomUUID(), createdBy: 't' },
    ]);
    return row.id;
  };
  /** Takes everything off the line so each test starts with it empty. */
  const emptyLine = () =>
    testDb.query(`UPDATE execution SET status = 'canceled' WHERE status = 'requested'`);

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

  beforeEach(emptyLine);

  afterAll(async () => {
    await db?.onApplicationShutdown();
    await testDb.drop();
  });

  it('gives the oldest first, of the runners asked for, each to one taker until given back', async () => {
    const ids = [];
    for (const action of ['core.shell', 'core.sleep', 'core.shell', 'core.shell']) {
      ids.push(await requested(action));
    }
    const [shell1, sleep, shell2, shell3] = ids;

    const first = await store.takeWaiting(2, ['shell']);
    expect(first.map((r) => r.id)).toEqual([shell1, shell2]);
    // Taken rows are held by a lease: another taker gets what is left.
    expect((await store.takeWaiting(10, ['shell'])).map((r) => r.id)).toEqual([shell3]);
    expect(await store.takeWaiting(10, ['shell'])).toEqual([]);

    await store.giveBack(shell2);
    expect((await store.takeWaiting(10, ['shell', 'sleep'])).map((r) => r.id)).toEqual([
      sleep,
      shell2,
    ]);
    await store.giveBack(shell1);
    expect(await store.takeWaiting(10, ['shell'], [shell1])).toEqual([]);
    expect(await store.countNotStarted(100)).toBe(4);
    expect(await store.countNotStarted(2)).toBe(2);
  });

  it('announces the slots an execution frees when it leaves scheduled or running, but not for pure ones', async () => {
    const heard: string[] = [];
    const listener = new PgListener(testDb.url, SLOTS_FREED_CHANNEL, (payload) =>
      heard.push(payload),
    );
    listener.start();
    try {
      // LISTEN is asynchronous: announce until the listener hears, then start counting.
      await waitFor(
        async () => {
          await db.query(`SELECT pg_notify($1, 'ready')`, [SLOTS_FREED_CHANNEL]);
          return heard.includes('ready');
        },
        { description: 'the listener to be listening' },
      );

      const pure = await requested('core.noop');
      const shell = await requested('core.shell');
      for (const id of [pure, shell]) await store.transition(id, 'scheduled', { workerId });
      await store.claimFinished(pure, 'succeeded', { result: {} }, { attempt: 1, workerId });
      await store.transition(shell, 'running', {}, { workerId });
      await store.transition(shell, 'succeeded', { result: {} }, { workerId });

      const freed = () => heard.filter((payload) => payload !== 'ready');
      await waitFor(async () => freed().length > 0, { description: 'a freed slot announced' });
      // Notifications arrive in commit order: the pure one, committed first, said nothing.
      expect(freed()).toEqual([`${workerId}:1`]);
    } finally {
      await listener.stop();
    }
  });

  it('puts back in the line only what stayed scheduled past the limit', async () => {
    const lost = await requested('core.shell');
    const onItsWay = await requested('core.shell');
    for (const id of [lost, onItsWay]) await store.transition(id, 'scheduled', { workerId });
    await testDb.query(
      `UPDATE execution SET scheduled_at = now() - interval '10 minutes' WHERE id = $1`,
      [lost],
    );

    const returned = await store.returnLostOffers(360);
    expect(returned.map((r) => [r.id, r.status, r.worker_id])).toEqual([[lost, 'requested', null]]);
    expect((await store.get(onItsWay))?.status).toBe('scheduled');
    expect((await store.takeWaiting(10, ['shell'])).map((r) => r.id)).toEqual([lost]);
  });

  it('lets a send that failed rejoin the line only after a backoff', async () => {
    const id = await requested('core.shell');
    await store.transition(id, 'scheduled', { workerId });
    await store.transition(id, 'requested', {}, { workerId });
    expect(await store.takeWaiting(10, ['shell'])).toEqual([]);
    await testDb.query(`UPDATE execution SET dispatch_after = now() WHERE id = $1`, [id]);
    expect((await store.takeWaiting(10, ['shell'])).map((r) => r.id)).toEqual([id]);
  });
});
