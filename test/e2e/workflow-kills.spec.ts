import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOk, TERMINAL } from '../support/attune-api';
import { AttuneProcess } from '../support/attune-process';
import { TestDatabase } from '../support/database';
import { deleteTopology, uniquePrefix } from '../support/rabbit';
import { waitFor } from '../support/wait-for';

const WORKFLOWS = 50;
const TASKS = ['start', 'left', 'right', 'join', 'finish'];

// Two executors run the conductors of 50 workflows while each of them is SIGKILLed in turn and
// started again, as an orchestrator would. Every task appends a line to a file when it runs, so
// "exactly once" is checked from what the tasks did, not only from the rows.
//
// An executor killed between marking task runs `scheduled` and sending them leaves offers that
// no worker heard of; the lost-offer sweeper puts them back in the line once they are older
// than the worker queue's TTL plus 60 s (decision 014). The TTL here is 10 s instead of 300 s
// so that path is taken within the test's time.
const ENV = { EXECUTION_QUEUE_TTL_MS: '10000' };
describe('workflows while executors are killed', () => {
  const db = new TestDatabase();
  const prefix = uniquePrefix('wfkill');
  const processes: AttuneProcess[] = [];
  let ledgerDir: string;

  const start = async (roles: string, env: Record<string, string> = {}) => {
    const app = await AttuneProcess.startReady({
      roles,
      databaseUrl: db.url,
      prefix,
      env: { ...ENV, ...env },
    });
    processes.push(app);
    return app;
  };
  /** Task runs succeeded so far; a workflow that failed fails the test at once, with its error. */
  const finishedTaskRuns = async () => {
    const failed = await db.query<{ error: string }>(
      `SELECT error FROM execution WHERE parent_id IS NULL AND status = 'failed' LIMIT 1`,
    );
    if (failed.length > 0) throw new Error(`a workflow failed: ${failed[0].error}`);
    const [row] = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM execution WHERE parent_id IS NOT NULL AND status = 'succeeded'`,
    );
    return Number(row.n);
  };

  beforeAll(async () => {
    await db.create();
    ledgerDir = await mkdtemp(join(tmpdir(), 'attune-wfkill-'));
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await deleteTopology(prefix);
    await db.drop();
    await rm(ledgerDir, { recursive: true, force: true });
  });

  it(`runs ${WORKFLOWS} workflows of ${TASKS.length} tasks to the end, every task exactly once, though the executors are SIGKILLed twice`, async () => {
    const api = await start('api,worker,notifier', { WORKER_CAPACITY: '10' });
    const executorOne = await start('executor');
    const executorTwo = await start('executor');
    const ledger = join(ledgerDir, 'ran');
    const task = (name: string, next: string[] = []) => ({
      action: 'core.shell',
      input: {
        cmd: `sleep 0.4; echo "$1:$2" >> ${ledger}`,
        args: ['{{ $string(input.n) }}', name],
      },
      ...(next.length ? { next: [{ when: 'succeeded', do: next }] } : {}),
    });
    await createOk(api, '/api/v1/actions', {
      ref: 'wf.kills',
      runner: 'workflow',
      workflow: {
        tasks: {
          start: task('start', ['left', 'right']),
          left: task('left', ['join']),
          right: task('right', ['join']),
          join: { ...task('join', ['finish']), join: 'all' },
          finish: task('finish'),
        },
        output: { last: '{{ tasks.finish.status }}' },
      },
    });

    const ids: string[] = [];
    for (let n = 0; n < WORKFLOWS; n++) {
      const created = await api.request('POST', '/api/v1/executions', {
        action: 'wf.kills',
        parameters: { n },
      });
      expect(created.status).toBe(201);
      ids.push(created.body.id);
    }
    const total = WORKFLOWS * TASKS.length;
    await waitFor(async () => (await finishedTaskRuns()) >= total * 0.2, {
      timeoutMs: 60_000,
      description: 'a fifth of the task runs to finish',
    });
    await executorOne.kill('SIGKILL');
    await start('executor');
    await waitFor(async () => (await finishedTaskRuns()) >= total * 0.6, {
      timeoutMs: 60_000,
      description: 'three fifths of the task runs to finish',
    });
    await executorTwo.kill('SIGKILL');
    await start('executor');

    const workflows = await waitFor(
      async () => {
        const rows = await db.query<{ id: string; status: string; result: unknown }>(
          `SELECT id, status, result FROM execution WHERE id = ANY($1)`,
          [ids],
        );
        return rows.every((r) => TERMINAL.includes(r.status)) ? rows : undefined;
      },
      { timeoutMs: 150_000, description: 'every workflow to finish' },
    ).catch(async (error: Error) => {
      const stuck = await db.query(
        `SELECT w.id, w.status, w.updated_at,
                json_agg(json_build_object('task', c.task, 'status', c.status, 'id', c.id)) AS runs
           FROM execution w LEFT JOIN execution c ON c.parent_id = w.id
          WHERE w.id = ANY($1) AND w.status <> ALL($2) GROUP BY w.id`,
        [ids, TERMINAL],
      );
      throw new Error(`${error.message}; unfinished: ${JSON.stringify(stuck.slice(0, 5))}`);
    });
    expect(workflows.filter((w) => w.status !== 'succeeded')).toEqual([]);
    expect(workflows.every((w) => (w.result as { last: string }).last === 'succeeded')).toBe(true);

    // The rows: each workflow has each task once, in one attempt, succeeded.
    const runs = await db.query<{ parent_id: string; tasks: string[]; statuses: string[] }>(
      `SELECT parent_id, array_agg(task ORDER BY task) AS tasks,
              array_agg(DISTINCT status || '/' || task_attempt) AS statuses
         FROM execution WHERE parent_id = ANY($1) GROUP BY parent_id`,
      [ids],
    );
    expect(runs).toHaveLength(WORKFLOWS);
    const sortedTasks = [...TASKS].sort();
    expect(runs.filter((r) => r.tasks.join() !== sortedTasks.join())).toEqual([]);
    expect(new Set(runs.flatMap((r) => r.statuses))).toEqual(new Set(['succeeded/1']));

    // What the tasks did: every (workflow, task) line exactly once.
    const lines = (await readFile(ledger, 'utf8')).trim().split('\n');
    const expected = Array.from({ length: WORKFLOWS }, (_, n) =>
      TASKS.map((name) => `${n}:${name}`),
    ).flat();
    expect(lines.sort()).toEqual(expected.sort());
  }, 360_000);
});
