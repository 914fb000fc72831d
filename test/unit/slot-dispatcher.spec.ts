import { SlotDispatcher } from '../../src/roles/executor/slot-dispatcher';
import { WorkerDispatch } from '../../src/roles/executor/worker-dispatch';
import { WorkerPool } from '../../src/roles/executor/worker-pool';
import type { ExecutionStore } from '../../src/stores/execution.store';
import type { WorkerStore, WorkerWithLoad } from '../../src/stores/worker.store';
import {
  fakeActionCatalog,
  FakeExecutionStore,
  lifecycleOver,
  READY_DATABASE,
  RecordingNotifications,
  RecordingPublisher,
  testConfig,
} from '../support/fakes';

function setUp(workers: WorkerWithLoad[]) {
  const store = new FakeExecutionStore();
  const publisher = new RecordingPublisher();
  const lifecycle = lifecycleOver(store, publisher, new RecordingNotifications());
  const config = testConfig();
  const pool = new WorkerPool(config, {
    activeWithLoad: async () => workers.map((w) => ({ ...w })),
  } as unknown as WorkerStore);
  const dispatcher = new SlotDispatcher(
    READY_DATABASE,
    store as unknown as ExecutionStore,
    fakeActionCatalog(),
    lifecycle,
    pool,
    new WorkerDispatch(config, publisher, lifecycle),
  );
  let clock = Date.now();
  /** `requested` executions of `action`, each created a millisecond after the last. */
  const waiting = (count: number, action = 'core.shell') =>
    Array.from(
      { length: count },
      () =>
        store.add({ status: 'requested', action_ref: action, created_at: new Date(clock++) }).id,
    );
  const sentTo = () =>
    publisher.ofType('ExecutionRequested').map((m) => [m.payload.execution_id, m.options.workerId]);
  const statuses = (ids: string[]) => ids.map((id) => store.rows.get(id)!.status);
  return { store, pool, dispatcher, waiting, sentTo, statuses };
}

const worker = (id: string, runners: string[], capacity: number, load = 0): WorkerWithLoad => ({
  id,
  runners,
  capacity,
  load,
});

describe('SlotDispatcher: the waiting line, taken as slots free', () => {
  it('takes as many as there are free slots, oldest first, and sends each once', async () => {
    const { pool, dispatcher, waiting, sentTo, statuses } = setUp([worker('a', ['shell'], 2)]);
    const ids = waiting(5);
    await dispatcher.placeWaiting();
    expect(statuses(ids)).toEqual([
      'scheduled',
      'scheduled',
      'requested',
      'requested',
      'requested',
    ]);
    expect(sentTo()).toEqual([
      [ids[0], 'a'],
      [ids[1], 'a'],
    ]);

    // Two slots announced freed: the next two in line, no more.
    pool.release('a', 2);
    await dispatcher.placeWaiting();
    expect(statuses(ids)).toEqual([
      'scheduled',
      'scheduled',
      'scheduled',
      'scheduled',
      'requested',
    ]);
    expect(sentTo().map(([id]) => id)).toEqual(ids.slice(0, 4));
  });

  it('takes only what a worker with room runs, leaving the others their place', async () => {
    const { dispatcher, waiting, statuses } = setUp([
      worker('shell-full', ['shell'], 1, 1),
      worker('sleeper', ['sleep'], 3),
    ]);
    const shell = waiting(2, 'core.shell');
    const sleep = waiting(2, 'core.sleep');
    await dispatcher.placeWaiting();
    expect(statuses(shell)).toEqual(['requested', 'requested']);
    expect(statuses(sleep)).toEqual(['scheduled', 'scheduled']);
  });

  it('sends pure built-ins to a full worker: they hold no slot', async () => {
    const { dispatcher, waiting, sentTo, statuses } = setUp([worker('a', ['shell', 'echo'], 1, 1)]);
    const echo = waiting(3, 'core.echo');
    const shell = waiting(1, 'core.shell');
    await dispatcher.placeWaiting();
    expect(statuses(echo)).toEqual(['scheduled', 'scheduled', 'scheduled']);
    expect(statuses(shell)).toEqual(['requested']);
    expect(sentTo()).toHaveLength(3);
  });

  it('fails an execution whose action no longer exists', async () => {
    const { store, dispatcher, waiting } = setUp([worker('a', ['shell'], 1)]);
    const [gone] = waiting(1, 'gone.action');
    await dispatcher.placeWaiting();
    expect(store.rows.get(gone)).toMatchObject({
      status: 'failed',
      error: "action 'gone.action' no longer exists",
    });
  });

  it('lets new work queue behind waiting executions, until the line has nothing a worker could take', async () => {
    const { pool, dispatcher, waiting } = setUp([worker('a', ['shell', 'noop'], 1)]);
    waiting(2);
    await dispatcher.placeWaiting();
    expect(dispatcher.queuesBehindOthers({ runner: 'shell' })).toBe(true);
    // Pure work never queues.
    expect(dispatcher.queuesBehindOthers({ runner: 'noop' })).toBe(false);
    pool.release('a');
    await dispatcher.placeWaiting();
    pool.release('a');
    await dispatcher.placeWaiting();
    expect(dispatcher.queuesBehindOthers({ runner: 'shell' })).toBe(false);
  });

  it('runs one more pass for wakes that come during a pass, not one per wake', async () => {
    const { store, dispatcher, waiting } = setUp([worker('a', ['shell'], 10)]);
    let takes = 0;
    const take = store.takeWaiting.bind(store);
    store.takeWaiting = (...args) => {
      takes++;
      return take(...args);
    };
    waiting(1);
    const passes = [
      dispatcher.placeWaiting(),
      dispatcher.placeWaiting(),
      dispatcher.placeWaiting(),
    ];
    await Promise.all(passes);
    expect(takes).toBe(2);
  });
});
