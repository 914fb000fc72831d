import { createOk, executionReaches } from '../support/attune-api';
import { AttuneProcess } from '../support/attune-process';
import { TestDatabase } from '../support/database';
import { deleteTopology, uniquePrefix } from '../support/rabbit';
import { waitFor } from '../support/wait-for';

// A type, not an interface: the database client's rows are records.
type Run = {
  id: string;
  status: string;
  error: string | null;
  host: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
};

/** The most runs whose [started_at, finished_at] intervals overlap at one instant. */
function mostAtOnce(runs: Run[]): number {
  const edges = runs
    .filter((run) => run.started_at && run.finished_at)
    .flatMap((run) => [
      { at: run.started_at!.getTime(), step: 1 },
      // An end and a start at the same millisecond: the end first (the slot was freed).
      { at: run.finished_at!.getTime(), step: -1 },
    ])
    .sort((a, b) => a.at - b.at || a.step - b.step);
  let now = 0;
  let most = 0;
  for (const edge of edges) {
    now += edge.step;
    most = Math.max(most, now);
  }
  return most;
}

const byRequest = (runs: Run[]) =>
  [...runs].sort((a, b) => a.created_at.getTime() - b.created_at.getTime());

/** True when each run started no earlier than the one requested before it. */
function startedInRequestOrder(runs: Run[]): boolean {
  const starts = byRequest(runs).map((run) => run.started_at!.getTime());
  return starts.every((start, i) => i === 0 || start >= starts[i - 1]);
}

// Concurrency policies (decision 018) with real processes: the rows say what ran when.
describe('concurrency policies: at most `limit` of an action (per key) scheduled or running', () => {
  const db = new TestDatabase();
  const prefix = uniquePrefix('policy');
  let front: AttuneProcess;
  let executor: AttuneProcess;

  const startExecutor = () =>
    AttuneProcess.startReady({ roles: 'executor', databaseUrl: db.url, prefix });
  const runs = (action: string) =>
    db.query<Run>(
      `SELECT id, status, error, parameters ->> 'host' AS host, created_at, started_at, finished_at
         FROM execution WHERE action_ref = $1`,
      [action],
    );
  const request = async (action: string, parameters: Record<string, unknown>) =>
    (await createOk(front, '/api/v1/executions', { action, parameters })).id as string;
  const allEnded = (action: string, count: number) =>
    waitFor(
      async () => {
        const rows = await runs(action);
        const ended = rows.filter((r) => ['succeeded', 'failed', 'canceled'].includes(r.status));
        return rows.length === count && ended.length === count ? rows : undefined;
      },
      { timeoutMs: 60_000, description: `all ${count} executions of ${action} to end` },
    );
  const action = (ref: string, concurrency: Record<string, unknown>) =>
    createOk(front, '/api/v1/actions', { ref, runner: 'sleep', policy: { concurrency } });

  beforeAll(async () => {
    await db.create();
    // The executor in a process of its own, so that it can be killed alone.
    front = await AttuneProcess.startReady({
      roles: 'api,worker',
      databaseUrl: db.url,
      prefix,
      env: { WORKER_CAPACITY: '20' },
    });
    executor = await startExecutor();
  });

  afterAll(async () => {
    await executor?.stop();
    await front?.stop();
    await deleteTopology(prefix);
    await db.drop();
  });

  it('limit 2: ten requested at once run two at a time, all succeed, in request order', async () => {
    await action('test.limited', { limit: 2 });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await request('test.limited', { seconds: 0.3 }));
    // The excess waits as `delayed`, visible in the API.
    await waitFor(
      async () => {
        const { body } = await front.request('GET', '/api/v1/executions?status=delayed');
        return body.items.length >= 5;
      },
      { description: 'executions to wait delayed' },
    );
    const rows = await allEnded('test.limited', 10);
    expect(rows.map((r) => r.status)).toEqual(Array(10).fill('succeeded'));
    expect(mostAtOnce(rows)).toBe(2);
    expect(startedInRequestOrder(rows)).toBe(true);
  });

  it('key {{ parameters.host }}, limit 1: two hosts in parallel, one at a time each', async () => {
    await action('test.per_host', { limit: 1, key: '{{ parameters.host }}' });
    for (let i = 0; i < 4; i++) {
      await request('test.per_host', { seconds: 0.4, host: 'db-1' });
      await request('test.per_host', { seconds: 0.4, host: 'db-2' });
    }
    const rows = await allEnded('test.per_host', 8);
    expect(rows.map((r) => r.status)).toEqual(Array(8).fill('succeeded'));
    for (const host of ['db-1', 'db-2']) {
      const ofHost = rows.filter((r) => r.host === host);
      expect(mostAtOnce(ofHost)).toBe(1);
      expect(startedInRequestOrder(ofHost)).toBe(true);
    }
    // The two hosts did not wait for each other.
    expect(mostAtOnce(rows)).toBe(2);
  });

  it('on_limit cancel: the excess ends canceled with the reason', async () => {
    await action('test.exclusive', { limit: 1, on_limit: 'cancel' });
    const first = await request('test.exclusive', { seconds: 2 });
    await executionReaches(front, first, ['running']);
    const second = await request('test.exclusive', { seconds: 2 });
    const third = await request('test.exclusive', { seconds: 2 });
    for (const id of [second, third]) {
      const canceled = await executionReaches(front, id, ['canceled', 'succeeded']);
      expect(canceled.status).toBe('canceled');
      expect(canceled.error).toMatch(
        /concurrency policy of test\.exclusive: 1 execution\(s\) already scheduled or running/,
      );
    }
    expect((await executionReaches(front, first, ['succeeded'])).status).toBe('succeeded');
  });

  it('refuses a policy it cannot apply (400 naming the field)', async () => {
    const answer = await front.request('POST', '/api/v1/actions', {
      ref: 'test.bad_policy',
      runner: 'sleep',
      policy: { concurrency: { limit: 0, key: '{{ event.payload.x }}', on_limit: 'drop' } },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.message).toMatch(/policy\.concurrency\.limit must be an integer/);
    expect(answer.body.message).toMatch(/on_limit must be one of delay, cancel/);
    expect(answer.body.message).toMatch(/unknown placeholder "\{\{ event\.payload\.x \}\}"/);
  });

  it('an executor killed (SIGKILL) while executions are delayed loses none of them', async () => {
    await action('test.survives', { limit: 1 });
    for (let i = 0; i < 5; i++) await request('test.survives', { seconds: 0.5 });
    await waitFor(
      async () => (await runs('test.survives')).filter((r) => r.status === 'delayed').length >= 3,
      { description: 'three executions delayed' },
    );
    await executor.kill('SIGKILL');
    executor = await startExecutor();
    const rows = await allEnded('test.survives', 5);
    expect(rows.map((r) => r.status)).toEqual(Array(5).fill('succeeded'));
    expect(mostAtOnce(rows)).toBe(1);
    expect(startedInRequestOrder(rows)).toBe(true);
  });
});
