import {
  createOk,
  createTriggerWithRule,
  executionReaches,
  TERMINAL,
  webhook,
} from '../support/attune-api';
import { AttuneProcess } from '../support/attune-process';
import { TestDatabase } from '../support/database';
import { LiveNotification, WsFeed } from '../support/live-feeds';
import { deleteTopology, uniquePrefix } from '../support/rabbit';
import { waitFor } from '../support/wait-for';

type ChildRow = {
  id: string;
  task: string;
  task_item: number | null;
  task_attempt: number;
  status: string;
  worker_id: string | null;
  started_at: Date | null;
  finished_at: Date | null;
};

// api, executor, worker and notifier in one process on real PostgreSQL and RabbitMQ; the
// workflow runner is checked from the API and from the rows its task runs leave.
describe('workflows', () => {
  const db = new TestDatabase();
  const prefix = uniquePrefix('wf');
  let app: AttuneProcess;

  const createWorkflow = (ref: string, workflow: Record<string, unknown>, extra: object = {}) =>
    createOk(app, '/api/v1/actions', { ref, runner: 'workflow', workflow, ...extra });
  const run = async (action: string, parameters: object = {}) => {
    const created = await app.request('POST', '/api/v1/executions', { action, parameters });
    expect(created.status).toBe(201);
    return created.body.id as string;
  };
  const children = (parentId: string) =>
    db.query<ChildRow>(
      `SELECT id, task, task_item, task_attempt, status, worker_id, started_at, finished_at
         FROM execution WHERE parent_id = $1 ORDER BY created_at, task, task_item, task_attempt`,
      [parentId],
    );

  beforeAll(async () => {
    await db.create();
    app = await AttuneProcess.startReady({
      roles: 'api,executor,worker,notifier',
      databaseUrl: db.url,
      prefix,
      env: { WORKER_CAPACITY: '20' },
    });
  });

  afterAll(async () => {
    await app?.stop();
    await deleteTopology(prefix);
    await db.drop();
  });

  it('runs 6 tasks with a parallel branch, a join and with_items over 10 items at concurrency 3, and builds its output', async () => {
    await createWorkflow('wf.six', {
      tasks: {
        build: {
          action: 'core.shell',
          input: { cmd: 'printf %s {{ input.version }}' },
          next: [{ when: 'succeeded', do: ['test', 'lint'] }],
        },
        test: {
          action: 'core.echo',
          input: { v: '{{ tasks.build.result.stdout }}' },
          next: [{ do: ['release'] }],
        },
        lint: { action: 'core.noop', next: [{ do: ['release'] }] },
        release: {
          join: 'all',
          action: 'core.echo',
          input: { shipped: '{{ tasks.test.result.v | upper }}' },
          next: [{ do: ['hosts'] }],
        },
        hosts: {
          action: 'core.shell',
          with_items: '{{ input.hosts }}',
          concurrency: 3,
          input: { cmd: 'sleep 0.3; printf %s {{ item }}' },
          next: [{ do: ['report'] }],
        },
        report: {
          action: 'core.echo',
          input: { count: '{{ $count(tasks.hosts.result) }}' },
        },
      },
      output: {
        version: '{{ tasks.build.result.stdout }}',
        shipped: '{{ tasks.release.result.shipped }}',
        hosts: '{{ tasks.hosts.result.stdout }}',
        count: '{{ tasks.report.result.count }}',
      },
    });
    const hosts = Array.from({ length: 10 }, (_, i) => `h${i}`);
    const feed = await WsFeed.open(`ws://127.0.0.1:${app.port}/ws`);
    const id = await run('wf.six', { version: 'v1.2', hosts });
    const done = await executionReaches(app, id, TERMINAL, 60_000);
    expect(done.status).toBe('succeeded');
    expect(done.result).toEqual({ version: 'v1.2', shipped: 'V1.2', hosts, count: 10 });

    const rows = await children(id);
    expect(rows).toHaveLength(15);
    expect(rows.every((r) => r.status === 'succeeded' && r.task_attempt === 1)).toBe(true);
    // The join ran once, after both branches.
    const [release] = rows.filter((r) => r.task === 'release');
    for (const branch of rows.filter((r) => r.task === 'test' || r.task === 'lint')) {
      expect(branch.finished_at!.getTime()).toBeLessThanOrEqual(release.started_at!.getTime());
    }
    // At no instant were more than 3 items running: count overlaps at every start.
    const items = rows.filter((r) => r.task === 'hosts');
    expect(items.map((r) => r.task_item).sort((a, b) => a! - b!)).toEqual([...hosts.keys()]);
    const overlapAt = (t: number) =>
      items.filter((r) => r.started_at!.getTime() <= t && t < r.finished_at!.getTime()).length;
    const peak = Math.max(...items.map((r) => overlapAt(r.started_at!.getTime())));
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThanOrEqual(2);

    // The API lists the children under their workflow and shows the tasks in its view.
    const listed = await app.request('GET', `/api/v1/executions?parent_id=${id}&limit=100`);
    expect(listed.body.total).toBe(15);
    expect(listed.body.items.every((e: { parent_id: string }) => e.parent_id === id)).toBe(true);
    expect(done.tasks).toHaveLength(15);
    // Live updates of the task runs carry their workflow and task, so a view can draw the tree.
    const ofChildren = await waitFor(
      () => {
        const seen = feed.notifications.filter(
          (n: LiveNotification) => n.kind === 'execution' && n.parent_id === id,
        );
        return seen.filter((n) => n.status === 'succeeded').length === 15 ? seen : undefined;
      },
      { description: 'a succeeded notification of every task run' },
    );
    feed.close();
    expect(new Set(ofChildren.map((n) => n.execution_id))).toEqual(new Set(rows.map((r) => r.id)));
    expect(new Set(ofChildren.map((n) => n.task))).toEqual(
      new Set(['build', 'test', 'lint', 'release', 'hosts', 'report']),
    );
    expect(done.tasks.find((t: { task: string }) => t.task === 'report')).toMatchObject({
      status: 'succeeded',
      item: null,
      attempt: 1,
    });
  });

  it('runs the failed transition of a failing task and succeeds; without one it fails naming the task', async () => {
    const failing = { action: 'core.shell', input: { cmd: 'exit 3' } };
    await createWorkflow('wf.handled', {
      tasks: {
        deploy: { ...failing, next: [{ when: 'failed', do: ['rollback'] }] },
        rollback: { action: 'core.echo', input: { code: '{{ tasks.deploy.result.exit_code }}' } },
      },
      output: { rolled_back: '{{ tasks.rollback.result.code }}' },
    });
    await createWorkflow('wf.unhandled', {
      tasks: {
        deploy: { ...failing, next: [{ when: 'succeeded', do: ['announce'] }] },
        announce: { action: 'core.noop' },
      },
    });
    const handled = await executionReaches(app, await run('wf.handled'), TERMINAL);
    expect(handled).toMatchObject({ status: 'succeeded', result: { rolled_back: 3 } });

    const unhandledId = await run('wf.unhandled');
    const unhandled = await executionReaches(app, unhandledId, TERMINAL);
    expect(unhandled.status).toBe('failed');
    expect(unhandled.error).toMatch(/task 'deploy' failed/);
    expect((await children(unhandledId)).map((r) => r.task)).toEqual(['deploy']);
  });

  it('started by a rule, reads the event in its templates', async () => {
    await createWorkflow('wf.evented', {
      tasks: {
        greet: { action: 'core.echo', input: { host: '{{ event.payload.host }}' } },
      },
      output: { host: '{{ tasks.greet.result.host }}', trigger: '{{ event.trigger }}' },
    });
    await createTriggerWithRule(app, 'wf.alert', { ref: 'wf.on_alert', action: 'wf.evented' });
    await webhook(app, 'wf.alert', { host: 'db-1' });
    const [workflow] = await waitFor(async () => {
      const rows = await db.query<{ id: string }>(
        `SELECT id FROM execution WHERE action_ref = 'wf.evented'`,
      );
      return rows.length > 0 ? rows : undefined;
    });
    const done = await executionReaches(app, workflow.id, TERMINAL);
    expect(done).toMatchObject({
      status: 'succeeded',
      result: { host: 'db-1', trigger: 'wf.alert' },
    });
  });

  it('fails a task whose input would read a secret through data, or does not fit its action', async () => {
    await createWorkflow('wf.data', {
      tasks: { say: { action: 'core.echo', input: { v: '{{ input.text }}' } } },
    });
    const leak = await run('wf.data', { text: '{{ secret.db_password }}' });
    const leaked = await executionReaches(app, leak, TERMINAL);
    expect(leaked.status).toBe('failed');
    expect(leaked.error).toMatch(
      /task 'say': input: values hold secret reference\(s\) \{\{ secret.db_password \}\}/,
    );
    expect(await children(leak)).toEqual([]);

    await createWorkflow('wf.misfit', {
      tasks: { nap: { action: 'core.sleep', input: { seconds: '{{ input.seconds }}' } } },
    });
    const misfit = await run('wf.misfit', { seconds: 'soon' });
    const refused = await executionReaches(app, misfit, TERMINAL);
    expect(refused.status).toBe('failed');
    expect(refused.error).toMatch(/task 'nap': input does not fit core.sleep: .*seconds/);
  });

  it('attempts a task with retry.count 2 that fails twice three times', async () => {
    // Fails while fewer than 2 marks exist in the directory, so the third attempt succeeds.
    const dir = `/tmp/attune-wf-retry-${process.pid}-${Date.now()}`;
    await createWorkflow('wf.retry', {
      tasks: {
        flaky: {
          action: 'core.shell',
          retry: { count: 2, delay_ms: 100 },
          input: {
            cmd: `mkdir -p ${dir}; n=$(ls ${dir} | wc -l); touch ${dir}/$n; test $n -ge 2`,
          },
        },
      },
    });
    const id = await run('wf.retry');
    expect((await executionReaches(app, id, TERMINAL)).status).toBe('succeeded');
    const rows = await children(id);
    expect(rows.map((r) => [r.task_attempt, r.status])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
      [3, 'succeeded'],
    ]);
  });

  it('pauses on core.ask, resumes when answered, and fails when the question times out', async () => {
    const asking = (timeoutMs: number) => ({
      tasks: {
        ask: {
          action: 'core.ask',
          input: { prompt: 'ship {{ input.version }}?', timeout_ms: timeoutMs },
          next: [{ do: ['ship'] }],
        },
        ship: { action: 'core.echo', input: { answer: '{{ tasks.ask.result.approve }}' } },
      },
      output: { approved: '{{ tasks.ship.result.answer }}' },
    });
    await createWorkflow('wf.ask', asking(60_000));
    await createWorkflow('wf.ask_short', asking(1500));

    const id = await run('wf.ask', { version: '2' });
    await executionReaches(app, id, ['paused']);
    const inquiry = await waitFor(
      async () => {
        const { body } = await app.request('GET', '/api/v1/inquiries?status=pending');
        return body.items.find((i: { prompt: string }) => i.prompt === 'ship 2?');
      },
      { description: 'the workflow question to be pending' },
    );
    expect((await children(id)).map((r) => r.task)).toEqual(['ask']);
    const answered = await app.request('POST', `/api/v1/inquiries/${inquiry.id}/respond`, {
      response: { approve: true },
    });
    expect(answered.status).toBeLessThan(300);
    const done = await executionReaches(app, id, TERMINAL);
    expect(done).toMatchObject({ status: 'succeeded', result: { approved: true } });

    const shortId = await run('wf.ask_short', { version: '3' });
    await executionReaches(app, shortId, ['paused']);
    const timedOut = await executionReaches(app, shortId, TERMINAL);
    expect(timedOut.status).toBe('failed');
    expect(timedOut.error).toMatch(/task 'ask' failed/);
    expect((await children(shortId)).map((r) => [r.task, r.status])).toEqual([['ask', 'timeout']]);
  });

  it('cancel during a core.sleep task stops it on its worker and starts nothing after it', async () => {
    await createWorkflow('wf.sleepy', {
      tasks: {
        nap: {
          action: 'core.shell',
          input: { cmd: 'echo $$ > /tmp/attune-wf-nap-{{ input.tag }}; exec sleep 30' },
          next: [{ when: 'completed', do: ['after'] }],
        },
        after: { action: 'core.noop' },
      },
    });
    await createWorkflow('wf.sleep', {
      tasks: {
        nap: {
          action: 'core.sleep',
          input: { seconds: 30 },
          next: [{ when: 'completed', do: ['after'] }],
        },
        after: { action: 'core.noop' },
      },
    });
    const id = await run('wf.sleep');
    const nap = await waitFor(
      async () => (await children(id)).find((r) => r.task === 'nap' && r.status === 'running'),
      { description: 'the sleep task to run' },
    );
    const canceled = await app.request('POST', `/api/v1/executions/${id}/cancel`);
    expect(canceled.status).toBe(202);
    expect(canceled.body.status).toBe('canceled');
    const child = await executionReaches(app, nap.id, TERMINAL, 10_000);
    expect(child.status).toBe('canceled');
    // The process of a shell task is killed, too.
    const tag = `${process.pid}${Date.now()}`;
    const shellId = await run('wf.sleepy', { tag });
    const shellNap = await waitFor(
      async () => (await children(shellId)).find((r) => r.status === 'running'),
      { description: 'the shell task to run' },
    );
    const pid = Number(
      await waitFor(
        async () => {
          const { readFile } = await import('node:fs/promises');
          return (await readFile(`/tmp/attune-wf-nap-${tag}`, 'utf8').catch(() => '')).trim();
        },
        { description: 'the shell task to write its pid' },
      ),
    );
    expect((await app.request('POST', `/api/v1/executions/${shellId}/cancel`)).status).toBe(202);
    expect((await executionReaches(app, shellNap.id, TERMINAL, 10_000)).status).toBe('canceled');
    await waitFor(
      () => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      },
      { description: `the shell task's process ${pid} to be gone` },
    );
    // Give the conductor every chance to (wrongly) start 'after': its cue has been handled when
    // the canceled children are recorded, and the sweeper runs each second.
    await waitFor(
      async () => {
        const { body } = await app.request('GET', `/api/v1/executions/${id}`);
        return body.tasks.every((t: { status: string }) => TERMINAL.includes(t.status));
      },
      { description: 'every task run of the canceled workflow to be finished' },
    );
    for (const workflowId of [id, shellId]) {
      expect((await children(workflowId)).map((r) => r.task)).toEqual(['nap']);
    }
  });

  describe('refuses bad definitions with a 400 naming the task', () => {
    const cases: Array<[string, unknown, RegExp]> = [
      [
        'an unknown task in do',
        { tasks: { a: { action: 'core.noop', next: [{ do: ['nope'] }] } } },
        /task 'a': next\[0\]\.do names unknown task 'nope'/,
      ],
      [
        'an unknown action',
        { tasks: { a: { action: 'demo.missing' } } },
        /task 'a': unknown action 'demo\.missing'/,
      ],
      [
        'an unreachable task',
        {
          tasks: {
            a: { action: 'core.noop' },
            b: { action: 'core.noop', next: [{ when: { 'result.x': { eq: 1 } }, do: ['c'] }] },
            c: { action: 'core.noop', next: [{ when: 'failed', do: ['b'] }] },
          },
        },
        /task 'b': unreachable/,
      ],
      [
        'a template syntax error',
        { tasks: { a: { action: 'core.echo', input: { x: '{{ tasks.( }}' } } } },
        /task 'a': input\.x/,
      ],
      [
        'a cycle with no when to leave it',
        {
          tasks: {
            a: { action: 'core.noop', next: [{ do: ['b'] }] },
            b: { action: 'core.noop', next: [{ when: 'completed', do: ['c'] }] },
            c: { action: 'core.noop', next: [{ do: ['b'] }] },
          },
        },
        /task 'b': loop b -> c -> b has no "when" to leave it/,
      ],
      [
        'a loop with a when (a task runs once per workflow run)',
        {
          tasks: {
            deploy: { action: 'core.noop', next: [{ do: ['check'] }] },
            check: { action: 'core.noop', next: [{ when: 'failed', do: ['wait'] }] },
            wait: { action: 'core.noop', next: [{ do: ['check'] }] },
          },
        },
        /task 'check': loop check -> wait -> check: a task runs once per workflow run; repeat one with retry/,
      ],
      [
        'with_items that is neither a template nor a list',
        { tasks: { a: { action: 'core.echo', with_items: 'hosts' } } },
        /task 'a': "with_items" must be a list or one template/,
      ],
    ];
    it.each(cases)('%s', async (_, workflow, message) => {
      const answer = await app.request('POST', '/api/v1/actions', {
        ref: 'wf.bad',
        runner: 'workflow',
        workflow,
      });
      expect(answer.status).toBe(400);
      expect(answer.body.message).toMatch(message);
    });

    it('workflows nested deeper than the limit', async () => {
      await createWorkflow('wf.level1', { tasks: { a: { action: 'core.noop' } } });
      for (let level = 2; level <= 5; level++) {
        await createWorkflow(`wf.level${level}`, {
          tasks: { inner: { action: `wf.level${level - 1}` } },
        });
      }
      const answer = await app.request('POST', '/api/v1/actions', {
        ref: 'wf.level6',
        runner: 'workflow',
        workflow: { tasks: { inner: { action: 'wf.level5' } } },
      });
      expect(answer.status).toBe(400);
      expect(answer.body.message).toMatch(/task 'inner': workflows nest 6 deep; the limit is 5/);
      // Five levels run, each a child of the one above, and the innermost one's noop task.
      const id = await run('wf.level5');
      expect((await executionReaches(app, id, TERMINAL)).status).toBe('succeeded');
      const [{ n }] = await db.query<{ n: string }>(
        `WITH RECURSIVE down(id) AS (SELECT $1::uuid UNION ALL
           SELECT e.id FROM execution e JOIN down ON e.parent_id = down.id)
         SELECT count(*) AS n FROM down`,
        [id],
      );
      expect(Number(n)).toBe(6);
    });
  });
});
