import { executionStageDurations } from '../../src/metrics/execution-stages';
import { Topology } from '../../src/messaging/topology';

describe('queue metric labels', () => {
  const topology = new Topology({
    prefix: 'acme.prod',
    retryBackoffMs: [100, 200],
    executionQueueTtlMs: 1000,
  });

  it('count every worker queue as one, whatever the worker id', () => {
    expect(topology.queueMetricLabel(topology.workerQueue('1f0c-aa').main.name)).toBe(
      'acme.prod.worker.executions',
    );
    expect(topology.queueMetricLabel(topology.workerQueue('host.with.dots').main.name)).toBe(
      'acme.prod.worker.executions',
    );
  });

  it('count every notifier instance queue as one, but keep the notifier DLQ apart', () => {
    expect(topology.queueMetricLabel(topology.notifierQueue('box-1.local-42-ab').main.name)).toBe(
      'acme.prod.notifications',
    );
    expect(topology.queueMetricLabel('acme.prod.notifications.dlq')).toBe(
      'acme.prod.notifications.dlq',
    );
  });

  it('keep the name of every queue with a fixed name', () => {
    const fixed = [
      ...topology.staticConsumerQueues.map((set) => set.main.name),
      ...topology.deadLetterQueues.map((queue) => queue.name),
    ];
    for (const name of fixed) expect(topology.queueMetricLabel(name)).toBe(name);
  });
});

describe('execution stage durations', () => {
  it('measure each stage between its two timestamps', () => {
    const stages = executionStageDurations({
      status: 'succeeded',
      created_at: '2026-01-01T00:00:00.000Z',
      scheduled_at: '2026-01-01T00:00:00.250Z',
      started_at: '2026-01-01T00:00:01.000Z',
      finished_at: '2026-01-01T00:00:03.000Z',
    });
    expect(Object.fromEntries(stages)).toEqual({ queued: 0.25, dispatch: 0.75, run: 2, total: 3 });
  });

  it('leave out the stages an execution never reached', () => {
    const stages = executionStageDurations({
      status: 'canceled',
      created_at: '2026-01-01T00:00:00.000Z',
      scheduled_at: null,
      started_at: null,
      finished_at: '2026-01-01T00:00:05.000Z',
    });
    expect(Object.fromEntries(stages)).toEqual({ total: 5 });
  });
});
