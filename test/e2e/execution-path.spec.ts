import { AttuneProcess } from '../support/attune-process';
import { createOk, executionReaches, webhook } from '../support/attune-api';
import { TestDatabase } from '../support/database';
import { deleteTopology, uniquePrefix } from '../support/rabbit';
import { waitFor } from '../support/wait-for';

describe('execution path, all roles in one process', () => {
  const db = new TestDatabase();
  const prefix = uniquePrefix('path');
  let app: AttuneProcess;

  beforeAll(async () => {
    await db.create();
    app = await AttuneProcess.startReady({
      databaseUrl: db.url,
      prefix,
      // debug: the worker logs each execution it runs, with its correlation id.
      env: { WORKER_NAME: 'solo', LOG_LEVEL: 'debug' },
    });
    await createOk(app, '/api/v1/triggers', { ref: 'demo.alert' });
    await createOk(app, '/api/v1/rules', {
      ref: 'demo.on_high_alert',
      trigger: 'demo.alert',
      criteria: { 'payload.severity': { eq: 'high' }, 'payload.count': { gt: 3 } },
      action: 'core.echo',
      parameters: {
        host: '{{ event.payload.host }}',
        count: '{{ event.payload.count }}',
        tags: '{{ event.payload.tags }}',
        summary: '{{ event.payload.host }} fired {{ event.payload.count }} times',
        rule: '{{ rule.ref }}',
      },
    });
  });

  afterAll(async () => {
    await app?.stop();
    await deleteTopology(prefix);
    await db.drop();
  });

  it('turns a webhook into a succeeded execution with templated parameters, one correlation id', async () => {
    const eventId = await webhook(app, 'demo.alert', {
      severity: 'high',
      count: 5,
      host: 'db-1',
      tags: ['prod', 'eu'],
    });
    const [row] = await waitFor(
      async () => {
        const rows = await db.query<{ id: string }>(
          `SELECT x.id FROM execution x JOIN enforcement f ON f.id = x.enforcement_id
            WHERE f.event_id = $1`,
          [eventId],
        );
        return rows.length ? rows : undefined;
      },
      { description: 'the execution of the event' },
    );
    const execution = await executionReaches(app, row.id, ['succeeded', 'failed']);
    expect(execution.status).toBe('succeeded');
    expect(execution.result).toEqual({
      host: 'db-1',
      count: 5,
      tags: ['prod', 'eu'],
      summary: 'db-1 fired 5 times',
      rule: 'demo.on_high_alert',
    });
    expect(execution.worker_id).toBeTruthy();
    for (const stamp of ['created_at', 'scheduled_at', 'started_at', 'finished_at']) {
      expect(execution[stamp]).toBeTruthy();
    }

    const [event] = await db.query<{ correlation_id: string }>(
      'SELECT correlation_id FROM event WHERE id = $1',
      [eventId],
    );
    const [enforcement] = await db.query<{ correlation_id: string; status: string }>(
      'SELECT correlation_id, status FROM enforcement WHERE event_id = $1',
      [eventId],
    );
    expect(enforcement.status).toBe('created');
    expect(
      new Set([event.correlation_id, enforcement.correlation_id, execution.correlation_id]).size,
    ).toBe(1);
    // …and the correlation id is in the log lines about it.
    await waitFor(
      () => app.logs().some((line) => line.correlation_id === execution.correlation_id),
      {
        description: 'a log line carrying the correlation id',
      },
    );
  });

  it('makes no execution for an event that fails the rule criteria', async () => {
    const low = await webhook(app, 'demo.alert', { severity: 'low', count: 9, host: 'db-2' });
    const few = await webhook(app, 'demo.alert', { severity: 'high', count: 1, host: 'db-3' });
    await waitFor(
      async () =>
        (await db.query('SELECT id FROM event WHERE id = ANY($1)', [[low, few]])).length === 2,
      { description: 'both events stored' },
    );
    const enforcements = await db.query('SELECT id FROM enforcement WHERE event_id = ANY($1)', [
      [low, few],
    ]);
    expect(enforcements).toEqual([]);
  });

  it('fails core.shell on a non-zero exit with its stderr', async () => {
    const created = await createOk(app, '/api/v1/executions', {
      action: 'core.shell',
      parameters: {
        cmd: 'echo "out $1"; echo "boom: $GREETING" >&2; exit 3',
        args: ['x'],
        env: { GREETING: 'hi' },
      },
    });
    const execution = await executionReaches(app, created.id, ['failed', 'succeeded']);
    expect(execution.status).toBe('failed');
    expect(execution.result).toMatchObject({
      exit_code: 3,
      stdout: 'out x\n',
      stderr: 'boom: hi\n',
    });
    expect(execution.error).toContain('boom: hi');
  });

  it('succeeds core.shell on exit 0 and passes parameters as environment', async () => {
    await createOk(app, '/api/v1/actions', {
      ref: 'demo.greet',
      runner: 'shell',
      parameters_schema: {
        type: 'object',
        properties: { cmd: { type: 'string' }, name: { type: 'string' } },
        required: ['name'],
      },
      defaults: { cmd: 'echo "hello $ATTUNE_PARAM_NAME"' },
    });
    const created = await createOk(app, '/api/v1/executions', {
      action: 'demo.greet',
      parameters: { name: 'ops' },
    });
    const execution = await executionReaches(app, created.id, ['failed', 'succeeded']);
    expect(execution).toMatchObject({
      status: 'succeeded',
      result: { exit_code: 0, stdout: 'hello ops\n' },
    });
  });

  it('times out a core.sleep longer than its action timeout', async () => {
    await createOk(app, '/api/v1/actions', {
      ref: 'demo.slow',
      runner: 'sleep',
      parameters_schema: { type: 'object', properties: { seconds: { type: 'number' } } },
      timeout_ms: 300,
    });
    const created = await createOk(app, '/api/v1/executions', {
      action: 'demo.slow',
      parameters: { seconds: 30 },
    });
    const execution = await executionReaches(app, created.id, ['timeout', 'succeeded', 'failed']);
    expect(execution.status).toBe('timeout');
    expect(execution.error).toContain('timed out after 300 ms');
  });

  it('cancels a running core.sleep', async () => {
    const created = await createOk(app, '/api/v1/executions', {
      action: 'core.sleep',
      parameters: { seconds: 30 },
    });
    await executionReaches(app, created.id, ['running']);
    const cancel = await app.request('POST', `/api/v1/executions/${created.id}/cancel`);
    expect(cancel.status).toBe(202);
    const execution = await executionReaches(app, created.id, ['canceled', 'succeeded', 'failed']);
    expect(execution.status).toBe('canceled');
  });

  it('kills the whole process group of a timed-out shell command', async () => {
    await createOk(app, '/api/v1/actions', {
      ref: 'demo.hang',
      runner: 'shell',
      parameters_schema: { type: 'object' },
      defaults: { cmd: 'sleep 60 & echo $! > "$PIDFILE"; wait' },
      timeout_ms: 500,
    });
    const pidFile = `/tmp/attune-hang-${prefix}.pid`;
    const created = await createOk(app, '/api/v1/executions', {
      action: 'demo.hang',
      parameters: { env: { PIDFILE: pidFile } },
    });
    const execution = await executionReaches(app, created.id, ['timeout', 'failed', 'succeeded']);
    expect(execution.status).toBe('timeout');
    const { readFileSync } = await import('node:fs');
    const child = Number(readFileSync(pidFile, 'utf8'));
    await waitFor(
      () => {
        try {
          process.kill(child, 0);
          return false;
        } catch {
          return true;
        }
      },
      { description: `the backgrounded sleep ${child} to be gone` },
    );
  });
});
