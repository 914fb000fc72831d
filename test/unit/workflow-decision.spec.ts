import { ExecutionStatus } from '../../src/domain/execution-status';
import { decideNext, TaskRun } from '../../src/domain/workflow-decision';
import { MAX_TASK_RUNS, WorkflowDefinition } from '../../src/domain/workflow-definition';

/** A task run as the conductor reads it from the rows. */
const run = (
  task: string,
  status: ExecutionStatus,
  extra: Partial<Pick<TaskRun, 'item' | 'attempt' | 'result' | 'error'>> = {},
): TaskRun => ({ task, item: null, attempt: 1, result: null, error: null, status, ...extra });

const planned = (decision: { start: Array<{ task: string; item: number | null }> }) =>
  decision.start.map((r) => (r.item === null ? r.task : `${r.task}[${r.item}]`));

// The conductor's decision as a pure function of the definition and the task runs so far.
describe('workflow decision', () => {
  const branches: WorkflowDefinition = {
    tasks: {
      build: { action: 'core.noop', next: [{ do: ['test', 'lint'] }] },
      test: { action: 'core.noop', next: [{ do: ['release'] }] },
      lint: { action: 'core.noop', next: [{ do: ['release'] }] },
      release: { action: 'core.noop', join: 'all' },
    },
  };

  it('starts the start tasks, then what their outcome leads to', async () => {
    expect(planned(await decideNext(branches, {}, []))).toEqual(['build']);
    const running = await decideNext(branches, {}, [run('build', 'running')]);
    expect(running.start).toEqual([]);
    expect(running.finish).toBeUndefined();
    expect(planned(await decideNext(branches, {}, [run('build', 'succeeded')]))).toEqual([
      'test',
      'lint',
    ]);
  });

  it('a join waits for every started branch, then starts once', async () => {
    const oneDone = [run('build', 'succeeded'), run('test', 'succeeded'), run('lint', 'running')];
    expect(planned(await decideNext(branches, {}, oneDone))).toEqual([]);
    const bothDone = [
      run('build', 'succeeded'),
      run('test', 'succeeded'),
      run('lint', 'succeeded'),
    ];
    expect(planned(await decideNext(branches, {}, bothDone))).toEqual(['release']);
    const released = await decideNext(branches, {}, [...bothDone, run('release', 'succeeded')]);
    expect(released.start).toEqual([]);
    expect(released.finish).toEqual({ status: 'succeeded' });
  });

  it('keeps with_items under its concurrency, in item order', async () => {
    const definition: WorkflowDefinition = {
      tasks: {
        hosts: { action: 'core.noop', with_items: '{{ input.hosts }}', concurrency: 3 },
      },
    };
    const input = { hosts: Array.from({ length: 10 }, (_, i) => `h${i}`) };
    const first = await decideNext(definition, input, []);
    expect(planned(first)).toEqual(['hosts[0]', 'hosts[1]', 'hosts[2]']);
    expect(first.start.map((r) => r.itemValue)).toEqual(['h0', 'h1', 'h2']);
    const oneDone = [
      run('hosts', 'succeeded', { item: 0 }),
      run('hosts', 'running', { item: 1 }),
      run('hosts', 'running', { item: 2 }),
    ];
    expect(planned(await decideNext(definition, input, oneDone))).toEqual(['hosts[3]']);
  });

  it('retries a failed task as a new attempt after its delay, up to retry.count', async () => {
    const definition: WorkflowDefinition = {
      tasks: { flaky: { action: 'core.noop', retry: { count: 2, delay_ms: 500 } } },
    };
    const once = await decideNext(definition, {}, [run('flaky', 'failed')]);
    expect(once.start).toEqual([{ task: 'flaky', item: null, attempt: 2, delayMs: 500 }]);
    const used = [
      run('flaky', 'failed'),
      run('flaky', 'failed', { attempt: 2 }),
      run('flaky', 'failed', { attempt: 3, error: 'exit 1' }),
    ];
    const exhausted = await decideNext(definition, {}, used);
    expect(exhausted.start).toEqual([]);
    expect(exhausted.finish).toEqual({ status: 'failed', error: "task 'flaky' failed: exit 1" });
  });

  it('a failure with a failed transition runs its handler; without one the workflow fails', async () => {
    const handled: WorkflowDefinition = {
      tasks: {
        risky: { action: 'core.noop', next: [{ when: 'failed', do: ['cleanup'] }] },
        cleanup: { action: 'core.noop' },
      },
    };
    expect(planned(await decideNext(handled, {}, [run('risky', 'failed')]))).toEqual(['cleanup']);
    const done = await decideNext(handled, {}, [
      run('risky', 'failed'),
      run('cleanup', 'succeeded'),
    ]);
    expect(done.finish).toEqual({ status: 'succeeded' });
  });

  it('shows paused while a task run waits on a person', async () => {
    const definition: WorkflowDefinition = { tasks: { ask: { action: 'core.ask' } } };
    const decision = await decideNext(definition, {}, [run('ask', 'paused')]);
    expect(decision.paused).toBe(true);
    expect(decision.finish).toBeUndefined();
  });

  it('fails a workflow that would exceed the cap on task runs, once nothing runs', async () => {
    const definition: WorkflowDefinition = {
      tasks: { many: { action: 'core.noop', with_items: '{{ input.items }}' } },
    };
    const input = { items: Array.from({ length: MAX_TASK_RUNS + 1 }, (_, i) => i) };
    const decision = await decideNext(definition, input, []);
    expect(decision.start).toEqual([]);
    expect(decision.finish).toEqual({
      status: 'failed',
      error: `the workflow exceeded ${MAX_TASK_RUNS} task runs`,
    });
  });

  it('exposes task results to templates: with_items over a list a task returned', async () => {
    const definition: WorkflowDefinition = {
      tasks: {
        list: { action: 'core.noop', next: [{ do: ['each'] }] },
        each: { action: 'core.noop', with_items: '{{ tasks.list.result.hosts }}' },
      },
    };
    const decision = await decideNext(definition, {}, [
      run('list', 'succeeded', { result: { hosts: ['a', 'b'] } }),
    ]);
    expect(decision.start.map((r) => r.itemValue)).toEqual(['a', 'b']);
    expect(decision.context.tasks).toMatchObject({
      list: { status: 'succeeded', result: { hosts: ['a', 'b'] } },
    });
  });
});
