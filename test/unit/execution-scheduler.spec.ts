import { WorkflowConductor } from '../../src/roles/executor/workflow-conductor';
import { ExecutionRow } from '../../src/executions/execution-view';
import { MessageContext } from '../../src/messaging/message-context';
import { ExecutionScheduler } from '../../src/roles/executor/execution-scheduler.consumer';
import type { SlotDispatcher } from '../../src/roles/executor/slot-dispatcher';
import { WorkerDispatch } from '../../src/roles/executor/worker-dispatch';
import type { Pick, WorkerPool } from '../../src/roles/executor/worker-pool';
import type { ExecutionStore } from '../../src/stores/execution.store';
import {
  fakeActionCatalog,
  FakeExecutionStore,
  lifecycleOver,
  READY_DATABASE,
  RecordingNotifications,
  RecordingPublisher,
  testConfig,
} from '../support/fakes';

/** A worker pool answering the picks the test scripts, recording releases. */
function scriptedPool(...picks: Pick[]) {
  return {
    released: [] as string[],
    pick: async () => (picks.length > 1 ? picks.shift()! : picks[0]),
    release(workerId: string) {
      this.released.push(workerId);
    },
  };
}

/** The dispatcher as the scheduler sees it: whether a line waits, and who joined it. */
function fakeDispatcher() {
  return {
    lineIsWaiting: false,
    queuesBehindOthers(): boolean {
      return this.lineIsWaiting;
    },
    joins: 0,
    joined() {
      this.joins++;
    },
  };
}

function setUp(...picks: Pick[]) {
  const store = new FakeExecutionStore();
  const publisher = new RecordingPublisher();
  const notifications = new RecordingNotifications();
  const lifecycle = lifecycleOver(store, publisher, notifications);
  const pool = scriptedPool(...picks);
  const dispatcher = fakeDispatcher();
  const config = testConfig({ EXECUTION_QUEUE_TTL_MS: '7000' });
  const dispatch = new WorkerDispatch(config, publisher, lifecycle);
  const scheduler = new ExecutionScheduler(
    READY_DATABASE,
    fakeActionCatalog(),
    lifecycle,
    store as unknown as ExecutionStore,
    pool as unknown as WorkerPool,
    dispatch,
    dispatcher as unknown as SlotDispatcher,
    { cue: async () => undefined } as unknown as WorkflowConductor,
  );
  const offer = (row: ExecutionRow, delivery = { redelivered: false, retryCount: 0 }) =>
    scheduler.onExecutionRequested(
      { execution_id: row.id, action: row.action_ref, attempt: row.attempt },
      {
        correlationId: row.correlation_id,
        delivery: { redelivered: delivery.redelivered },
        envelope: { headers: { retry_count: delivery.retryCount } },
      } as unknown as MessageContext,
    );
  return { store, publisher, notifications, pool, dispatcher, offer };
}

describe('ExecutionScheduler: requested executions onto workers', () => {
  it('schedules on the picked worker and sends it there with everything the worker needs', async () => {
    const { store, publisher, notifications, offer } = setUp({ workerId: 'w-1' });
    const row = store.add({
      status: 'requested',
      action_ref: 'core.shell',
      parameters: { cmd: 'true' },
    });
    await offer(row);
    expect((await store.get(row.id))!).toMatchObject({ status: 'scheduled', worker_id: 'w-1' });
    expect(notifications.statusesOf(row.id)).toEqual(['scheduled']);
    const [sent] = publisher.ofType('ExecutionRequested');
    expect(sent.payload).toEqual({
      execution_id: row.id,
      action: 'core.shell',
      attempt: 1,
      runner: 'shell',
      parameters: { cmd: 'true' },
      timeout_ms: 60_000,
      worker_id: 'w-1',
      // Which offer this is, so an old copy of an earlier one is told apart.
      scheduled_at: (await store.get(row.id))!.scheduled_at!.toISOString(),
    });
    expect(sent.options).toEqual({
      workerId: 'w-1',
      correlationId: row.correlation_id,
      expirationMs: 7000,
    });
  });

  it('leaves it in the waiting line when no worker runs the action, publishing nothing', async () => {
    const { store, publisher, dispatcher, offer } = setUp('no-worker');
    const row = store.add({ status: 'requested' });
    await offer(row);
    expect((await store.get(row.id))!.status).toBe('requested');
    expect(dispatcher.joins).toBe(1);
    expect(publisher.published).toEqual([]);
  });

  it('never holds the message while every able worker is busy: the line keeps it', async () => {
    const { store, publisher, dispatcher, offer } = setUp('all-busy', { workerId: 'w-2' });
    const row = store.add({ status: 'requested' });
    await offer(row);
    expect((await store.get(row.id))!).toMatchObject({ status: 'requested', worker_id: null });
    expect(publisher.published).toEqual([]);
    expect(dispatcher.joins).toBe(1);
  });

  it('lets executions already waiting go first, without picking a worker', async () => {
    const { store, publisher, pool, dispatcher, offer } = setUp({ workerId: 'w-1' });
    dispatcher.lineIsWaiting = true;
    const row = store.add({ status: 'requested' });
    await offer(row);
    expect((await store.get(row.id))!.status).toBe('requested');
    expect(publisher.published).toEqual([]);
    expect(pool.released).toEqual([]);
    expect(dispatcher.joins).toBe(1);
  });

  it('fails an execution whose action no longer exists', async () => {
    const { store, publisher, offer } = setUp({ workerId: 'w-1' });
    const row = store.add({ status: 'requested', action_ref: 'gone.action' });
    await offer(row);
    expect((await store.get(row.id))!).toMatchObject({
      status: 'failed',
      error: "action 'gone.action' no longer exists",
    });
    expect(publisher.ofType('ExecutionRequested')).toEqual([]);
  });

  it('on a first delivery, leaves alone an execution the dispatcher already scheduled, and gives the pick back', async () => {
    const { store, publisher, pool, offer } = setUp({ workerId: 'w-new' });
    const row = store.add({ status: 'scheduled', worker_id: 'w-old' });
    await offer(row);
    expect(pool.released).toEqual(['w-new']);
    expect((await store.get(row.id))!.worker_id).toBe('w-old');
    expect(publisher.published).toEqual([]);
  });

  it.each([
    ['redelivered', { redelivered: true, retryCount: 0 }],
    ['retried', { redelivered: false, retryCount: 1 }],
  ])(
    're-sends a scheduled execution to its own worker when the message came again (%s)',
    async (_, delivery) => {
      const { store, publisher, pool, offer } = setUp({ workerId: 'w-new' });
      const row = store.add({ status: 'scheduled', worker_id: 'w-old' });
      await offer(row, delivery);
      expect(pool.released).toEqual(['w-new']);
      expect((await store.get(row.id))!.worker_id).toBe('w-old');
      expect(publisher.ofType('ExecutionRequested').map((m) => m.options.workerId)).toEqual([
        'w-old',
      ]);
    },
  );

  it('puts it back to requested when the send fails, and fails the message so it is retried', async () => {
    const { store, publisher, offer } = setUp({ workerId: 'w-1' });
    publisher.failWith = new Error('broker away');
    const row = store.add({ status: 'requested' });
    await expect(offer(row)).rejects.toThrow('broker away');
    expect((await store.get(row.id))!).toMatchObject({ status: 'requested', worker_id: null });
  });
});
