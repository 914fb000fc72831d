import { ExecutionRow } from '../../src/executions/execution-view';
import { MessageContext } from '../../src/messaging/message-context';
import { ExecutionScheduler } from '../../src/roles/executor/execution-scheduler.consumer';
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

function setUp(...picks: Pick[]) {
  const store = new FakeExecutionStore();
  const publisher = new RecordingPublisher();
  const notifications = new RecordingNotifications();
  const lifecycle = lifecycleOver(store, publisher, notifications);
  const pool = scriptedPool(...picks);
  const config = testConfig({ EXECUTION_QUEUE_TTL_MS: '7000' });
  const dispatch = new WorkerDispatch(config, publisher, lifecycle, pool as unknown as WorkerPool);
  const scheduler = new ExecutionScheduler(
    READY_DATABASE,
    fakeActionCatalog(),
    lifecycle,
    store as unknown as ExecutionStore,
    pool as unknown as WorkerPool,
    dispatch,
  );
  const offer = (row: ExecutionRow) =>
    scheduler.onExecutionRequested(
      { execution_id: row.id, action: row.action_ref, attempt: row.attempt },
      { correlationId: row.correlation_id } as MessageContext,
    );
  return { store, publisher, notifications, pool, offer };
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
    });
    expect(sent.options).toEqual({
      workerId: 'w-1',
      correlationId: row.correlation_id,
      expirationMs: 7000,
    });
  });

  it('leaves it requested for the sweeper when no worker runs the action, publishing nothing', async () => {
    const { store, publisher, offer } = setUp('no-worker');
    const row = store.add({ status: 'requested' });
    await offer(row);
    expect((await store.get(row.id))!.status).toBe('requested');
    expect(store.deferred).toEqual([row.id]);
    expect(publisher.published).toEqual([]);
  });

  it('holds the message while every able worker is busy, and schedules once one has room', async () => {
    const { store, publisher, offer } = setUp('all-busy', 'all-busy', { workerId: 'w-2' });
    const row = store.add({ status: 'requested' });
    await offer(row);
    expect((await store.get(row.id))!).toMatchObject({ status: 'scheduled', worker_id: 'w-2' });
    expect(publisher.ofType('ExecutionRequested')).toHaveLength(1);
    expect(store.deferred).toEqual([]);
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

  it('re-sends an execution already scheduled (a re-offer) to its own worker, and gives the pick back', async () => {
    const { store, publisher, pool, offer } = setUp({ workerId: 'w-new' });
    const row = store.add({ status: 'scheduled', worker_id: 'w-old' });
    await offer(row);
    expect(pool.released).toEqual(['w-new']);
    expect((await store.get(row.id))!.worker_id).toBe('w-old');
    expect(publisher.ofType('ExecutionRequested').map((m) => m.options.workerId)).toEqual([
      'w-old',
    ]);
  });

  it('puts it back to requested when the send fails, and fails the message so it is retried', async () => {
    const { store, publisher, pool, offer } = setUp({ workerId: 'w-1' });
    publisher.failWith = new Error('broker away');
    const row = store.add({ status: 'requested' });
    await expect(offer(row)).rejects.toThrow('broker away');
    expect((await store.get(row.id))!).toMatchObject({ status: 'requested', worker_id: null });
    expect(pool.released).toEqual(['w-1']);
  });
});
