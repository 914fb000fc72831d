import { randomUUID } from 'node:crypto';
import { AttuneProcess } from '../support/attune-process';
import { attuneCli } from '../support/cli';
import { TestDatabase } from '../support/database';
import { fillHistory } from '../support/history';
import { deleteTopology, uniquePrefix } from '../support/rabbit';
import { waitFor } from '../support/wait-for';

const DAY = `interval '1 day'`;

/** An execution `daysAgo` old in `status` (finished `finishedDaysAgo` ago when terminal). */
async function execution(
  db: TestDatabase,
  status: string,
  daysAgo: number,
  finishedDaysAgo: number | null = null,
) {
  const id = randomUUID();
  await db.query(
    `INSERT INTO execution (id, action_ref, status, parameters, correlation_id, created_at,
                            started_at, finished_at)
     VALUES ($1, 'core.ask', $2, '{}', $1, now() - $3 * ${DAY}, now() - $3 * ${DAY},
             now() - $4 * ${DAY})`,
    [id, status, daysAgo, finishedDaysAgo],
  );
  return id;
}

async function inquiry(db: TestDatabase, executionId: string, status: string, daysAgo: number) {
  const id = randomUUID();
  await db.query(
    `INSERT INTO inquiry (id, execution_id, prompt, status, correlation_id, timeout_at, created_at)
     VALUES ($1, $2, 'ok?', $3, $2, now() + interval '1 hour', now() - $4 * ${DAY})`,
    [id, executionId, status, daysAgo],
  );
  return id;
}

const count = async (db: TestDatabase, sql: string, params: unknown[] = []) =>
  Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${sql}`, params))[0].n);

// RETENTION_DAYS=30 in a running executor, against rows written as months of use leave them.
describe('retention: history older than the window is pruned, what is still in use stays', () => {
  const db = new TestDatabase();
  const prefix = uniquePrefix('retention');
  let app: AttuneProcess;

  beforeAll(async () => {
    await db.create();
    app = await AttuneProcess.startReady({
      roles: 'api,executor',
      databaseUrl: db.url,
      prefix,
      // Nothing is pruned until the rows are in place.
      env: { RETENTION_DAYS: '0', AUDIT_RETENTION_DAYS: '0' },
    });
  });

  afterAll(async () => {
    await app?.stop();
    await deleteTopology(prefix);
    await db.drop();
  });

  it('deletes finished executions, their events, enforcements and inquiries past the window, and old audit entries; keeps the rest', async () => {
    await fillHistory(db, { count: 300, newestDaysAgo: 31, spanDays: 20, seed: 'old' });
    await fillHistory(db, { count: 100, newestDaysAgo: 0, spanDays: 29, seed: 'young' });
    const running = await execution(db, 'running', 45);
    const paused = await execution(db, 'paused', 45);
    const pausedInquiry = await inquiry(db, paused, 'pending', 45);
    const answered = await execution(db, 'succeeded', 45, 44);
    const answeredInquiry = await inquiry(db, answered, 'responded', 45);
    const finishedLately = await execution(db, 'succeeded', 45, 10);
    // A running execution made by an old rule firing: its enforcement and event stay with it.
    await db.query(
      `UPDATE execution SET status = 'running', finished_at = NULL
        WHERE id = md5('oldex' || 1)::uuid`,
    );
    await db.query(
      `INSERT INTO audit_log (at, actor, action, resource)
       VALUES (now() - 400 * ${DAY}, 'key:old', 'run', 'execution'),
              (now() - 100 * ${DAY}, 'key:recent', 'run', 'execution')`,
    );
    await app.stop();
    app = await AttuneProcess.startReady({
      roles: 'api,executor',
      databaseUrl: db.url,
      prefix,
      env: { RETENTION_DAYS: '30', AUDIT_RETENTION_DAYS: '365', RETENTION_INTERVAL_MS: '300' },
    });

    await waitFor(
      async () => (await count(db, `execution WHERE created_at < now() - 30 * ${DAY}`)) === 4,
      {
        description: 'the executions past the window to be pruned',
      },
    );
    await waitFor(
      async () => (await count(db, `event WHERE created_at < now() - 30 * ${DAY}`)) === 1,
      {
        description: 'the events past the window to be pruned',
      },
    );

    // Gone: what is finished and old, with everything that only it referred to.
    expect(await count(db, 'execution WHERE id = $1', [answered])).toBe(0);
    expect(await count(db, 'inquiry WHERE id = $1', [answeredInquiry])).toBe(0);
    expect(await count(db, `enforcement WHERE created_at < now() - 30 * ${DAY}`)).toBe(1);
    expect(await count(db, `audit_log WHERE actor = 'key:old'`)).toBe(0);
    // Kept: not finished (running, paused with its inquiry), finished inside the window, young.
    for (const id of [running, paused, finishedLately]) {
      expect(await count(db, 'execution WHERE id = $1', [id])).toBe(1);
    }
    expect(await count(db, 'inquiry WHERE id = $1', [pausedInquiry])).toBe(1);
    expect(await count(db, `execution WHERE id = md5('oldex' || 1)::uuid`)).toBe(1);
    expect(await count(db, `enforcement WHERE id = md5('olden' || 1)::uuid`)).toBe(1);
    expect(await count(db, `event WHERE id = md5('oldev' || 1)::uuid`)).toBe(1);
    expect(
      await count(
        db,
        `execution WHERE action_ref LIKE 'hist.%' AND created_at > now() - 30 * ${DAY}`,
      ),
    ).toBe(100);
    expect(await count(db, "event WHERE created_at > now() - 30 * interval '1 day'")).toBe(100);
    expect(await count(db, `audit_log WHERE actor = 'key:recent'`)).toBe(1);

    const pruned = await waitFor(
      () => app.metric('attune_history_pruned_rows_total', { table: 'execution' }),
      {
        description: 'the pruned-rows metric',
      },
    );
    expect(pruned).toBe(300 - 1 + 1);
  });

  it('attune prune --older-than prints what it would delete with --dry-run, then deletes it', async () => {
    // The executor's own passes would take these first (and hold the lock the CLI tries).
    await app.stop();
    await fillHistory(db, { count: 40, newestDaysAgo: 8, spanDays: 5, seed: 'week' });
    const env = { DATABASE_URL: db.url, MQ_PREFIX: prefix };
    const before = await count(db, 'execution');

    // What a 7-day window takes: finished more than 7 days ago (the running one stays, with
    // its enforcement and event).
    const finishedBefore = await count(
      db,
      `execution WHERE finished_at < now() - 7 * ${DAY} AND status <> 'running'`,
    );
    const enforcementsBefore = await count(db, `enforcement WHERE created_at < now() - 7 * ${DAY}`);
    expect(finishedBefore).toBeGreaterThanOrEqual(40);

    const dry = await attuneCli(env, 'prune', '--older-than', '7d', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(new RegExp(`^execution\twould delete ${finishedBefore}$`, 'm'));
    expect(dry.stdout).toMatch(
      new RegExp(`^enforcement\twould delete ${enforcementsBefore - 1}$`, 'm'),
    );
    expect(await count(db, 'execution')).toBe(before);

    const real = await attuneCli(env, 'prune', '--older-than', '7d');
    expect(real.code).toBe(0);
    // The dry run said exactly what the pass did.
    expect(real.stdout.replace(/deleted/g, 'would delete')).toBe(dry.stdout);
    expect(await count(db, 'execution')).toBe(before - finishedBefore);
    expect(await count(db, `enforcement WHERE created_at < now() - 7 * ${DAY}`)).toBe(1);

    const bad = await attuneCli(env, 'prune', '--older-than', 'a week');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/--older-than needs an age such as 7d/);
  });
});
