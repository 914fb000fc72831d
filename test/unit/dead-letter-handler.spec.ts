import { MessageContext } from '../../src/messaging/message-context';
import {
  DeadLetterHandler,
  MAX_RETURNS_TO_LINE,
} from '../../src/roles/executor/dead-letter-handler.consumer';
import type { ExecutionStore } from '../../src/stores/execution.store';
import {
  FakeExecutionStore,
  lifecycleOver,
  READY_DATABASE,
  RecordingNotifications,
  RecordingPublisher,
  testConfig,
} from '../support/fakes';

function setUp() {
  const store = new FakeExecutionStore();
  const publisher = new RecordingPublisher();
  const notifications = new RecordingNotifications();
  const handler = new DeadLetterHandler(
    testConfig({ EXECUTION_QUEUE_TTL_MS: '5000' }),
    READY_DATABASE,
    lifecycleOver(store, publisher, notifications),
    store as unknown as ExecutionStore,
  );
  const deadLettered = (
    row: { id: string; attempt: number; worker_id: string | null; scheduled_at?: Date | null },
    deathReason: string,
  ) =>
    handler.onDeadLetteredExecution(
      {
        execution_id: row.id,
        action: 'core.noop',
        attempt: row.attempt,
        worker_id: row.worker_id ?? undefined,
        ...(row.scheduled_at ? { scheduled_at: row.scheduled_at.toISOString() } : {}),
      },
      { delivery: { deathReason } } as unknown as MessageContext,
    );
  return { store, publisher, notifications, deadLettered };
}

describe('DeadLetterHandler: what worker queues give back', () => {
  it('puts an execution whose offer expired in a worker queue back in the waiting line', async () => {
    const { store, publisher, deadLettered } = setUp();
    const row = store.add({ status: 'scheduled', worker_id: 'w-1' });
    await deadLettered(row, 'expired');
    expect((await store.get(row.id))!).toMatchObject({
      status: 'requested',
      worker_id: null,
      dispatch_attempts: 1,
    });
    expect(publisher.ofType('ExecutionRequested')).toEqual([]);
  });

  it(`fails an execution whose offer expired once it has been back in the line ${MAX_RETURNS_TO_LINE} times`, async () => {
    const { store, deadLettered } = setUp();
    const row = store.add({
      status: 'scheduled',
      worker_id: 'w-1',
      dispatch_attempts: MAX_RETURNS_TO_LINE - 1,
    });
    await deadLettered(row, 'expired');
    expect((await store.get(row.id))!).toMatchObject({
      status: 'failed',
      error: `no worker took the execution within 5000 ms (EXECUTION_QUEUE_TTL_MS), ${MAX_RETURNS_TO_LINE} times; the last was w-1`,
    });
  });

  it('ignores an expired copy of an earlier offer to the same worker (rescued, then offered again)', async () => {
    const { store, deadLettered } = setUp();
    const row = store.add({ status: 'scheduled', worker_id: 'w-1' });
    const firstOffer = { ...row, scheduled_at: new Date(Date.now() - 10_000) };
    const current = { ...row, scheduled_at: new Date() };
    store.rows.get(row.id)!.scheduled_at = current.scheduled_at;
    await deadLettered(firstOffer, 'expired');
    expect((await store.get(row.id))!.status).toBe('scheduled');
    await deadLettered(current, 'expired');
    expect((await store.get(row.id))!.status).toBe('requested');
  });

  it('puts a rejected execution back in the waiting line, with no message of its own', async () => {
    const { store, publisher, deadLettered } = setUp();
    const row = store.add({ status: 'scheduled', worker_id: 'w-1' });
    await deadLettered(row, 'rejected');
    expect((await store.get(row.id))!).toMatchObject({ status: 'requested', worker_id: null });
    expect(publisher.ofType('ExecutionRequested')).toEqual([]);
  });

  it('leaves alone what has moved on: running, finished, another attempt or another worker', async () => {
    const { store, publisher, notifications, deadLettered } = setUp();
    const running = store.add({ status: 'running', worker_id: 'w-1' });
    const done = store.add({ status: 'succeeded', worker_id: 'w-1' });
    const retried = store.add({ status: 'scheduled', worker_id: 'w-1', attempt: 2 });
    const moved = store.add({ status: 'scheduled', worker_id: 'w-2' });
    await deadLettered(running, 'expired');
    await deadLettered(done, 'rejected');
    await deadLettered({ ...retried, attempt: 1 }, 'expired');
    await deadLettered({ ...moved, worker_id: 'w-1' }, 'rejected');
    expect([...store.rows.values()].map((r) => r.status)).toEqual([
      'running',
      'succeeded',
      'scheduled',
      'scheduled',
    ]);
    expect(publisher.published).toEqual([]);
    expect(notifications.sent).toEqual([]);
  });
});
