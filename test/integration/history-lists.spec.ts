import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config/app-config';
import { CorePackSeeder } from '../../src/database/core-pack.seeder';
import { DatabaseService } from '../../src/database/database.service';
import { AuditStore } from '../../src/stores/audit.store';
import { EnforcementStore } from '../../src/stores/enforcement.store';
import { EventStore } from '../../src/stores/event.store';
import { ExecutionStore } from '../../src/stores/execution.store';
import { MetricsService } from '../../src/metrics/metrics.service';
import { InquiryStore } from '../../src/stores/inquiry.store';
import { EXACT_TOTAL_UP_TO, ListFilter, ListQuery, RowPage } from '../../src/stores/list-page';
import { TestDatabase } from '../support/database';
import { fillHistory } from '../support/history';

const HISTORY = 200_000;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Filter?: string;
  Plans?: PlanNode[];
}

/**
 * Sequential scans whose cost grows with the table. One with no filter right under a Limit reads
 * only as many rows as the limit (the bounded count of an unfiltered list): not one of them.
 */
function unboundedSeqScans(plan: PlanNode, parent?: PlanNode): PlanNode[] {
  const bounded = parent?.['Node Type'] === 'Limit' && plan.Filter === undefined;
  const here = plan['Node Type'] === 'Seq Scan' && !bounded ? [plan] : [];
  return [...here, ...(plan.Plans ?? []).flatMap((child) => unboundedSeqScans(child, plan))];
}

// Every list query of the history tables, as the API runs it, planned on a large table: each
// is served by an index (no sequential scan), so a page costs the same deep in the history.
describe('list pages of a long history', () => {
  const testDb = new TestDatabase();
  let db: DatabaseService;
  let executions: ExecutionStore;
  let events: EventStore;
  let enforcements: EnforcementStore;
  let inquiries: InquiryStore;
  let audit: AuditStore;
  const statements: Array<{ sql: string; params: unknown[] }> = [];

  beforeAll(async () => {
    await testDb.create();
    db = new DatabaseService(
      loadConfig({ DATABASE_URL: testDb.url, AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672' }),
    );
    new CorePackSeeder(db);
    db.onModuleInit();
    await db.whenReady();
    executions = new ExecutionStore(db, new MetricsService());
    events = new EventStore(db);
    enforcements = new EnforcementStore(db);
    inquiries = new InquiryStore(db);
    audit = new AuditStore(db);
    await fillHistory(testDb, { count: HISTORY, newestDaysAgo: 1, spanDays: 60 });
    await testDb.query(
      `INSERT INTO inquiry (id, execution_id, prompt, status, correlation_id, timeout_at, created_at)
       SELECT md5('iq' || g)::uuid, md5('ex' || g)::uuid, 'ok?',
              CASE WHEN g % 20 = 0 THEN 'pending' ELSE 'responded' END, md5('co' || g)::uuid,
              now(), now() - make_interval(secs => g)
         FROM generate_series(1, 50000) g`,
    );
    await testDb.query(
      `INSERT INTO audit_log (at, actor, action, resource, ref)
       SELECT now() - make_interval(secs => g), 'key:a' || (g % 20), 'run', 'execution', 'x'
         FROM generate_series(1, 100000) g`,
    );
    await testDb.query('VACUUM (ANALYZE) inquiry, audit_log');
    const query = db.query.bind(db);
    jest.spyOn(db, 'query').mockImplementation((sql: string, params?: unknown[]) => {
      statements.push({ sql, params: params ?? [] });
      return query(sql, params);
    });
  }, 300_000);

  afterAll(async () => {
    jest.restoreAllMocks();
    await db?.onApplicationShutdown();
    await testDb.drop();
  });

  /** The first page, then the page after a cursor taken deep in the history. */
  async function firstAndDeepPages<Row>(
    page: (query: ListQuery) => Promise<RowPage<Row>>,
    deepCursor: string,
  ) {
    const first = await page({ limit: 50 });
    expect(first.rows).toHaveLength(50);
    const deep = await page({ limit: 50, cursor: deepCursor });
    expect(deep.rows.length).toBeGreaterThan(0);
    return { first, deep };
  }

  /** A cursor naming the row at `offset` in the list's order (what paging would have reached). */
  async function cursorAt<Row>(
    page: (query: ListQuery) => Promise<RowPage<Row>>,
    offset: number,
  ): Promise<string> {
    const { nextCursor } = await page({ limit: 1, offset });
    expect(nextCursor).not.toBeNull();
    return nextCursor!;
  }

  it('plans every list statement (first page, deep cursor page, filters, total) without a sequential scan', async () => {
    const executionPage = (filters: ListFilter[]) => (query: ListQuery) =>
      executions.page(query, filters);
    const cases: Array<(query: ListQuery) => Promise<RowPage<unknown>>> = [
      executionPage([]),
      executionPage([{ sql: 'status = ?', value: 'failed' }]),
      executionPage([{ sql: 'action_ref = ?', value: 'hist.action_3' }]),
      (query) => events.page(query, []),
      (query) => events.page(query, [{ sql: 'trigger_ref = ?', value: 'hist.trigger_4' }]),
      (query) => enforcements.page(query, []),
      (query) => enforcements.page(query, [{ sql: 'e.rule_ref = ?', value: 'hist.rule_5' }]),
      (query) => inquiries.page(query, []),
      (query) => inquiries.page(query, [{ sql: 'status = ?', value: 'pending' }]),
      (query) => audit.page(query),
      (query) => audit.page({ ...query, actor: 'key:a7' }),
    ];
    for (const page of cases) {
      const deep = await cursorAt(page, 1000);
      statements.length = 0;
      await firstAndDeepPages(page, deep);
      for (const { sql, params } of statements.filter((s) => !s.sql.startsWith('EXPLAIN'))) {
        const [row] = await testDb.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
          `EXPLAIN (FORMAT JSON) ${sql}`,
          params,
        );
        const scans = unboundedSeqScans(row['QUERY PLAN'][0].Plan);
        expect({ sql, seqScans: scans.map((n) => n['Relation Name']) }).toEqual({
          sql,
          seqScans: [],
        });
      }
    }
  });

  it('pages by cursor through every matching row once, in order, ties on the time broken by id', async () => {
    // 120 rows sharing one created_at: only the id tells their order.
    const ids = Array.from({ length: 120 }, () => randomUUID());
    for (const id of ids) {
      await testDb.query(
        `INSERT INTO execution (id, action_ref, status, parameters, correlation_id, created_at)
         VALUES ($1, 'tie.action', 'succeeded', '{}', $1, '2020-01-01 00:00:00.123456+00')`,
        [id],
      );
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    const filters = [{ sql: 'action_ref = ?', value: 'tie.action' }];
    for (let pages = 0; pages < 10; pages++) {
      const page = await executions.page({ limit: 50, cursor }, filters);
      seen.push(...page.rows.map((row) => row.id));
      if (cursor) expect(page.total).toBeUndefined();
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual([...ids].sort().reverse());
  });

  it('counts total exactly up to the bound and estimates past it; cursor pages count nothing', async () => {
    const small = await executions.page({ limit: 5 }, [
      { sql: 'action_ref = ?', value: 'tie.action' },
    ]);
    expect(small).toMatchObject({ total: 120, totalIsEstimate: false, offset: 0 });
    const big = await executions.page({ limit: 5 }, []);
    expect(big.totalIsEstimate).toBe(true);
    expect(big.total).toBeGreaterThan(EXACT_TOTAL_UP_TO);
    // The planner's estimate of the whole table: the right order of magnitude.
    expect(big.total).toBeGreaterThan(HISTORY / 2);
    expect(big.total).toBeLessThan(HISTORY * 2);
  });

  it('reads no rows to count the total of a long history, nor of a last page, and asks the estimate beside the page', async () => {
    const counts = () => statements.filter((s) => /count\(\*\)/.test(s.sql));
    statements.length = 0;
    const big = await executions.page({ limit: 50 }, []);
    expect(big).toMatchObject({ totalIsEstimate: true });
    expect(counts()).toEqual([]);

    // 120 rows of tie.action: the third page of 50 is the last, and says there are 120.
    statements.length = 0;
    const filters = [{ sql: 'action_ref = ?', value: 'tie.action' }];
    const lastPage = await executions.page({ limit: 50, offset: 100 }, filters);
    expect(lastPage).toMatchObject({ total: 120, totalIsEstimate: false, nextCursor: null });
    expect(lastPage.rows).toHaveLength(20);
    expect(counts()).toEqual([]);
    // The estimate is asked beside the page (before its rows are back), not after it: a plan,
    // and the page itself, nothing else.
    expect(statements.map((s) => s.sql.split(/\s/)[0])).toEqual(['EXPLAIN', 'SELECT']);
  });

  it('refuses a cursor it did not give out, and a cursor with an offset', async () => {
    const forged = Buffer.from(JSON.stringify(['yesterday', 'x'])).toString('base64url');
    await expect(executions.page({ cursor: forged }, [])).rejects.toThrow(/cursor/);
    const real = (await executions.page({ limit: 1 }, [])).nextCursor!;
    await expect(executions.page({ cursor: real, offset: 10 }, [])).rejects.toThrow(/offset/);
  });
});
