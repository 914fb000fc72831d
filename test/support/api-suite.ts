import { randomUUID } from 'node:crypto';
import { AttuneProcess } from './attune-process';
import { TestDatabase } from './database';
import { httpRequest, HttpAnswer } from './http';
import { deleteTopology, listQueues, uniquePrefix } from './rabbit';

/** Shared set-up of the API e2e suites: one database, one prefix and one process per file. */
export interface ApiSuite {
  app: AttuneProcess;
  db: TestDatabase;
  prefix: string;
}

export async function startApiSuite(
  label: string,
  roles: string,
  env: Record<string, string> = {},
): Promise<ApiSuite> {
  const db = await new TestDatabase().create();
  const prefix = uniquePrefix(label);
  const app = await AttuneProcess.startReady({ roles, databaseUrl: db.url, prefix, env });
  return { app, db, prefix };
}

export async function stopApiSuite(suite: ApiSuite | undefined): Promise<void> {
  if (!suite) return;
  await suite.app.stop();
  await deleteTopology(suite.prefix);
  await suite.db.drop();
}

export type { Json } from './http';

/** A request with the admin key (unless `headers` has an Authorization), answer headers kept. */
export function send(
  app: AttuneProcess,
  method: string,
  path: string,
  options: { json?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  return httpRequest(app.url, method, path, options);
}

export interface ExecutionFixture {
  id?: string;
  action?: string;
  status: string;
  parameters?: Record<string, unknown>;
  workerId?: string | null;
  correlationId?: string;
}

/** An execution row as the executor and workers would have left it. */
export async function insertExecution(db: TestDatabase, fixture: ExecutionFixture) {
  const id = fixture.id ?? randomUUID();
  const correlationId = fixture.correlationId ?? randomUUID();
  await db.query(
    `INSERT INTO execution (id, action_ref, status, parameters, worker_id, correlation_id,
       scheduled_at, started_at, finished_at)
     VALUES ($1, $2, $3, $4, $5, $6,
       CASE WHEN $3 <> 'requested' THEN now() END,
       CASE WHEN $3 IN ('running', 'paused', 'succeeded', 'failed') THEN now() END,
       CASE WHEN $3 IN ('succeeded', 'failed', 'timeout', 'canceled', 'abandoned') THEN now() END)`,
    [
      id,
      fixture.action ?? 'core.echo',
      fixture.status,
      JSON.stringify(fixture.parameters ?? {}),
      fixture.workerId ?? null,
      correlationId,
    ],
  );
  return { id, correlationId };
}

/** An inquiry opened by core.ask, on a paused execution of its own. */
export async function insertInquiry(
  db: TestDatabase,
  fixture: { id?: string; status?: string; schema?: object | null; response?: unknown } = {},
) {
  const execution = await insertExecution(db, { action: 'core.ask', status: 'paused' });
  const id = fixture.id ?? randomUUID();
  await db.query(
    `INSERT INTO inquiry (id, execution_id, prompt, schema, status, response, correlation_id,
       timeout_at, responded_at)
     VALUES ($1, $2, 'Go ahead?', $3, $4, $5, $6, now() + interval '1 hour',
       CASE WHEN $4 = 'responded' THEN now() END)`,
    [
      id,
      execution.id,
      fixture.schema === undefined || fixture.schema === null
        ? null
        : JSON.stringify(fixture.schema),
      fixture.status ?? 'pending',
      fixture.response === undefined ? null : JSON.stringify(fixture.response),
      execution.correlationId,
    ],
  );
  return { id, executionId: execution.id, correlationId: execution.correlationId };
}

const TABLES = [
  'trigger',
  'action',
  'rule',
  'sensor',
  'event',
  'enforcement',
  'execution',
  'worker',
  'inquiry',
];

/** A fingerprint of every row of every table: equal fingerprints, nothing written. */
export async function databaseFingerprint(db: TestDatabase): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const table of TABLES) {
    const [row] = await db.query<{ rows: number; digest: string }>(
      `SELECT count(*)::int AS rows, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))
         AS digest FROM ${table} t`,
    );
    result[table] = `${row.rows} rows, ${row.digest}`;
  }
  return result;
}

/** Messages waiting in the queues of this prefix, by queue name. */
export async function queueDepths(prefix: string): Promise<Record<string, number>> {
  const depths: Record<string, number> = {};
  for (const queue of await listQueues(prefix)) depths[queue.name] = queue.messages;
  return depths;
}
