import { WorkerPool } from '../../src/roles/executor/worker-pool';
import type { WorkerStore, WorkerWithLoad } from '../../src/stores/worker.store';
import { testConfig } from '../support/fakes';

/** A worker store whose view of the workers the test sets, counting the reads. */
function storeWith(workers: WorkerWithLoad[]) {
  const store = {
    workers,
    reads: 0,
    activeWithLoad: async () => {
      store.reads++;
      return store.workers.map((w) => ({ ...w }));
    },
  };
  return store;
}

const worker = (id: string, runners: string[], capacity: number, load = 0): WorkerWithLoad => ({
  id,
  runners,
  capacity,
  load,
});

describe('WorkerPool: which worker takes an execution', () => {
  const pool = (store: ReturnType<typeof storeWith>) =>
    new WorkerPool(testConfig(), store as unknown as WorkerStore);

  it('picks the least loaded worker that runs the runner and has room', async () => {
    const store = storeWith([
      worker('busy', ['shell', 'shell'], 10, 8),
      worker('idle', ['shell'], 10, 1),
      worker('other-runner', ['http'], 10, 0),
    ]);
    expect(await pool(store).pick('shell')).toEqual({ workerId: 'idle' });
  });

  it('spreads a burst by counting its own picks between reads, up to each capacity', async () => {
    const store = storeWith([worker('a', ['shell'], 2), worker('b', ['shell'], 3)]);
    const p = pool(store);
    const picks = [];
    for (let i = 0; i < 5; i++) picks.push(await p.pick('shell'));
    const counts = picks.reduce<Record<string, number>>((acc, pick) => {
      if (typeof pick === 'object') acc[pick.workerId] = (acc[pick.workerId] ?? 0) + 1;
      return acc;
    }, {});
    expect(counts).toEqual({ a: 2, b: 3 });
    expect(await p.pick('shell')).toBe('all-busy');
  });

  it('says no-worker when none runs the runner, and all-busy when all are full', async () => {
    expect(await pool(storeWith([worker('a', ['shell'], 1)])).pick('http')).toBe('no-worker');
    expect(await pool(storeWith([worker('a', ['shell'], 1, 1)])).pick('shell')).toBe('all-busy');
  });

  it('gives a released pick back', async () => {
    const p = pool(storeWith([worker('a', ['shell'], 1)]));
    expect(await p.pick('shell')).toEqual({ workerId: 'a' });
    expect(await p.pick('shell')).toBe('all-busy');
    p.release('a');
    expect(await p.pick('shell')).toEqual({ workerId: 'a' });
  });

  it('never turns an execution away on a view older than 200 ms: it reads again first', async () => {
    let now = 1_000_000;
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => now);
    try {
      const store = storeWith([]);
      const p = pool(store);
      expect(await p.pick('shell')).toBe('no-worker');
      store.workers = [worker('new', ['shell'], 1)];
      // 300 ms later the cached view may still be served, but not to say "no worker".
      now += 300;
      const readsBefore = store.reads;
      expect(await p.pick('shell')).toEqual({ workerId: 'new' });
      expect(store.reads).toBeGreaterThan(readsBefore);
    } finally {
      clock.mockRestore();
    }
  });

  it('sends pure executions to a full worker without taking a slot', async () => {
    const p = pool(storeWith([worker('a', ['shell', 'echo'], 1, 1)]));
    expect(await p.pick('echo')).toEqual({ workerId: 'a' });
    expect(await p.pick('echo')).toEqual({ workerId: 'a' });
    expect(await p.pick('shell')).toBe('all-busy');
    expect(await p.room()).toEqual({ slotRunners: [], slots: 0, pureRunners: ['echo'] });
  });

  it('gives back the slots announced freed, and counts free slots per runner', async () => {
    const p = pool(storeWith([worker('a', ['shell'], 3, 3), worker('b', ['http'], 2, 2)]));
    expect(await p.room()).toEqual({ slotRunners: [], slots: 0, pureRunners: [] });
    p.release('a', 2);
    expect(await p.room()).toEqual({ slotRunners: ['shell'], slots: 2, pureRunners: [] });
    p.release('a', 5);
    expect(await p.room()).toMatchObject({ slots: 3 });
  });
});
