import { randomUUID } from 'node:crypto';
import { SseFeed, WsFeed } from '../support/live-feeds';
import { bearer, createKey, createRole, plainRequest } from '../support/keys';
import { waitFor } from '../support/wait-for';
import { ApiSuite, startApiSuite, stopApiSuite } from '../support/api-suite';

type Operation = { method: string; path: string };

/** Every operation of the OpenAPI document, as method and path template. */
function operationsOf(document: { paths: Record<string, Record<string, unknown>> }): Operation[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((method) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
      .map((method) => ({ method: method.toUpperCase(), path })),
  );
}

describe('security: keys and permissions on every route (all-in-one)', () => {
  let suite: ApiSuite;
  let operations: Operation[];
  let viewerKey: string;
  /** Real values for the path parameters, so that a viewer's GETs find what they ask for. */
  const existing: Record<string, string> = {};

  beforeAll(async () => {
    suite = await startApiSuite('authz', 'all', { AUTH_FAILURE_LIMIT: '100000' });
    const document = await plainRequest(suite.app, 'GET', '/api/docs-json');
    expect(document.status).toBe(200);
    operations = operationsOf(document.body);
    viewerKey = (await createKey(suite.app, 'viewer-key', 'viewer')).key;
  });

  afterAll(() => stopApiSuite(suite));

  it('declares the bearer scheme in the OpenAPI document, served without a key', async () => {
    const document = (await plainRequest(suite.app, 'GET', '/api/docs-json')).body;
    expect(document.components.securitySchemes.bearer).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    const executions = document.paths['/api/v1/executions'].post;
    expect(executions.security).toEqual([{ bearer: [] }]);
    // Webhooks may also come signed, without a key.
    expect(document.paths['/api/v1/webhooks/{triggerRef}'].post.security).toContainEqual({});
    expect(operations.length).toBeGreaterThan(30);
  });

  it('answers 401 to every operation in the document called without a key', async () => {
    const answers: string[] = [];
    const guarded = operations.filter(({ path }) => !path.startsWith('/health/'));
    for (const { method, path } of guarded) {
      const url = path.replace(/\{[^}]+\}/g, 'demo.x');
      const response = await plainRequest(
        suite.app,
        method,
        url,
        method === 'GET' ? undefined : {},
      );
      answers.push(`${method} ${path} ${response.status}`);
      if (response.status === 401) {
        expect(response.headers.get('www-authenticate')).toBe('Bearer');
        expect(response.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
        expect(response.body.message).toEqual(expect.any(String));
      }
    }
    expect(answers).toEqual(guarded.map(({ method, path }) => `${method} ${path} 401`));
  });

  it('keeps /health/live, /health/ready and /metrics open', async () => {
    for (const path of ['/health/live', '/health/ready', '/metrics']) {
      expect([path, (await plainRequest(suite.app, 'GET', path)).status]).toEqual([path, 200]);
    }
  });

  it('refuses /ws and the SSE stream without a key or a ticket; a ticket opens one stream once', async () => {
    const ws = `ws://127.0.0.1:${suite.app.port}/ws`;
    const sse = `${suite.app.url}/api/v1/stream`;
    expect((await WsFeed.open(ws, { authorization: '' })).refused).toBe(401);
    expect(
      (await WsFeed.open(`${ws}?ticket=not-a-real-ticket-at-all-00`, { authorization: '' }))
        .refused,
    ).toBe(401);
    const noKey = await SseFeed.open(sse, { authorization: '' });
    expect(noKey.status).toBe(401);
    noKey.close();

    const ticket = async () =>
      (
        await plainRequest(
          suite.app,
          'POST',
          '/api/v1/stream/tickets',
          undefined,
          bearer(viewerKey),
        )
      ).body.ticket as string;
    const wsTicket = await ticket();
    const opened = await WsFeed.open(`${ws}?ticket=${wsTicket}`, { authorization: '' });
    expect(opened.refused).toBeUndefined();
    expect(opened.socket.readyState).toBe(opened.socket.OPEN);
    opened.close();
    expect((await WsFeed.open(`${ws}?ticket=${wsTicket}`, { authorization: '' })).refused).toBe(
      401,
    );

    const sseTicket = await ticket();
    const stream = await SseFeed.open(`${sse}?ticket=${sseTicket}`, { authorization: '' });
    expect(stream.status).toBe(200);
    stream.close();
    const again = await SseFeed.open(`${sse}?ticket=${sseTicket}`, { authorization: '' });
    expect(again.status).toBe(401);
    again.close();
  });

  it("refuses /ws from another site's page (Origin)", async () => {
    const ws = `ws://127.0.0.1:${suite.app.port}/ws`;
    const foreign = await WsFeed.open(ws, { origin: 'https://evil.example' });
    expect(foreign.refused).toBe(403);
    const own = await WsFeed.open(ws, { origin: `http://127.0.0.1:${suite.app.port}` });
    expect(own.refused).toBeUndefined();
    own.close();
  });

  it('gives a viewer 200 on every GET and 403 naming the permission on every write', async () => {
    await makeOneOfEverything(suite, existing);
    const gets: string[] = [];
    const writes: string[] = [];
    for (const { method, path } of operations) {
      const url = fill(path, existing);
      const response = await plainRequest(
        suite.app,
        method,
        url,
        method === 'GET' ? undefined : {},
        bearer(viewerKey),
      );
      if (method === 'GET') {
        const adminOnly = ['/api/v1/keys', '/api/v1/audit'].includes(path);
        gets.push(`${path} ${response.status}`);
        if (adminOnly) {
          expect(response.body.message).toMatch(
            /^key 'viewer-key' \(viewer\) lacks (keys|audit):read$/,
          );
        }
        expect([path, response.status]).toEqual([path, adminOnly ? 403 : 200]);
      } else if (path === '/api/v1/stream/tickets') {
        // A viewer may watch: a ticket is a read.
        expect(response.status).toBe(201);
      } else {
        writes.push(`${method} ${path}`);
        expect([method, path, response.status]).toEqual([method, path, 403]);
        expect(response.body.message).toMatch(
          /^key 'viewer-key' \(viewer\) lacks [a-z]+:(write|run|cancel|respond|replay|send)\b/,
        );
      }
    }
    expect(gets.length).toBeGreaterThan(15);
    expect(writes.length).toBeGreaterThan(15);
  });

  it('lets an operator run and cancel executions, but not create an action', async () => {
    const { key } = await createKey(suite.app, 'operator-key', 'operator');
    const run = await plainRequest(
      suite.app,
      'POST',
      '/api/v1/executions',
      { action: 'core.sleep', parameters: { seconds: 30 } },
      bearer(key),
    );
    expect(run.status).toBe(201);
    const cancel = await plainRequest(
      suite.app,
      'POST',
      `/api/v1/executions/${run.body.id}/cancel`,
      {},
      bearer(key),
    );
    expect(cancel.status).toBe(202);
    const action = await plainRequest(
      suite.app,
      'POST',
      '/api/v1/actions',
      { ref: 'demo.greet', runner: 'echo' },
      bearer(key),
    );
    expect(action.status).toBe(403);
    expect(action.body.message).toBe(
      "key 'operator-key' (operator) lacks actions:write on demo.greet",
    );
  });

  it('scopes a custom role to refs: executions:run on demo.* runs demo.x, not ops.y', async () => {
    for (const ref of ['demo.x', 'ops.y']) {
      expect(
        (await suite.app.request('POST', '/api/v1/actions', { ref, runner: 'echo' })).status,
      ).toBe(201);
    }
    await createRole(suite.app, 'demo-runner', [
      { permission: 'executions:run', refs: 'demo.*' },
      { permission: 'executions:read', refs: 'demo.*' },
    ]);
    const { key } = await createKey(suite.app, 'demo-key', 'demo-runner');
    const allowed = await plainRequest(
      suite.app,
      'POST',
      '/api/v1/executions',
      { action: 'demo.x' },
      bearer(key),
    );
    expect(allowed.status).toBe(201);
    const refused = await plainRequest(
      suite.app,
      'POST',
      '/api/v1/executions',
      { action: 'ops.y' },
      bearer(key),
    );
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe("key 'demo-key' (demo-runner) lacks executions:run on ops.y");

    // Lists and streams show only what the role may read.
    const other = await suite.app.request('POST', '/api/v1/executions', { action: 'ops.y' });
    const listed = await plainRequest(
      suite.app,
      'GET',
      '/api/v1/executions?limit=500',
      undefined,
      bearer(key),
    );
    const actions = new Set(listed.body.items.map((item: { action: string }) => item.action));
    expect([...actions]).toEqual(['demo.x']);
    const direct = await plainRequest(
      suite.app,
      'GET',
      `/api/v1/executions/${other.body.id}`,
      undefined,
      bearer(key),
    );
    expect(direct.status).toBe(403);

    const feed = await SseFeed.open(`${suite.app.url}/api/v1/stream`, bearer(key));
    const mine = await suite.app.request('POST', '/api/v1/executions', { action: 'demo.x' });
    const theirs = await suite.app.request('POST', '/api/v1/executions', { action: 'ops.y' });
    await waitFor(
      () =>
        feed.notifications.some((n) => n.execution_id === mine.body.id && n.status === 'succeeded'),
      { description: 'the demo.x execution on the scoped stream' },
    );
    // The ops.y execution ran too (the admin's stream would show it): wait for it to finish.
    await waitFor(
      async () =>
        (await suite.app.request('GET', `/api/v1/executions/${theirs.body.id}`)).body.status ===
        'succeeded',
    );
    expect(feed.notifications.filter((n) => n.execution_id === theirs.body.id)).toEqual([]);
    feed.close();
  });

  it('writes an audit row for every change, and executions say who created them', async () => {
    const run = await suite.app.request('POST', '/api/v1/executions', { action: 'core.noop' });
    const execution = await suite.app.request('GET', `/api/v1/executions/${run.body.id}`);
    expect(execution.body.created_by).toBe('key:ATTUNE_ADMIN_KEY');

    const audit = await suite.app.request('GET', '/api/v1/audit?limit=500');
    expect(audit.status).toBe(200);
    const rows = audit.body.items as Array<Record<string, unknown>>;
    const has = (action: string, resource: string, ref?: string) =>
      rows.some(
        (row) =>
          row.action === action &&
          row.resource === resource &&
          (ref === undefined || row.ref === ref),
      );
    expect(has('run', 'execution', run.body.id)).toBe(true);
    expect(has('create', 'key', 'viewer-key')).toBe(true);
    expect(has('create', 'role', 'demo-runner')).toBe(true);
    expect(has('create', 'action', 'demo.x')).toBe(true);
    expect(has('cancel', 'execution')).toBe(true);
    expect(rows[0]).toEqual({
      id: expect.any(String),
      at: expect.any(String),
      actor: 'key:ATTUNE_ADMIN_KEY',
      action: 'run',
      resource: 'execution',
      ref: run.body.id,
      correlation_id: execution.body.correlation_id,
      details: { action: 'core.noop' },
    });
    // Keys are never in it.
    expect(JSON.stringify(rows)).not.toMatch(/atn_[A-Za-z0-9_-]{32}/);
  });
});

/** The path with its parameters set to things that exist. */
function fill(path: string, existing: Record<string, string>): string {
  return path.replace(/\{([^}]+)\}/g, (_match, name: string) => {
    const resource = path.split('/')[3];
    return existing[`${resource}.${name}`] ?? existing[name] ?? 'demo.x';
  });
}

/** One trigger, rule, sensor, event, execution, inquiry and dead letter, made as admin. */
async function makeOneOfEverything(suite: ApiSuite, existing: Record<string, string>) {
  const app = suite.app;
  await app.request('POST', '/api/v1/triggers', { ref: 'demo.alert' });
  await app.request('POST', '/api/v1/rules', {
    ref: 'demo.on_alert',
    trigger: 'demo.alert',
    action: 'core.noop',
  });
  await app.request('POST', '/api/v1/sensors', {
    ref: 'demo.hourly',
    type: 'timer',
    trigger: 'core.timer',
    config: { interval_ms: 3_600_000 },
    enabled: false,
  });
  const event = await app.request('POST', '/api/v1/webhooks/demo.alert', { n: 1 });
  const ask = await app.request('POST', '/api/v1/executions', {
    action: 'core.ask',
    parameters: { prompt: 'ok?' },
  });
  const inquiry = await waitFor(
    async () => (await app.request('GET', '/api/v1/inquiries')).body.items[0],
    {
      description: 'an inquiry',
    },
  );
  await waitFor(
    async () => (await app.request('GET', `/api/v1/events/${event.body.event_id}`)).status === 200,
    {
      description: 'the event stored',
    },
  );
  const dlq = (await app.request('GET', '/api/v1/dlq')).body.items[0].queue as string;
  Object.assign(existing, {
    'triggers.ref': 'demo.alert',
    'actions.ref': 'core.echo',
    'rules.ref': 'demo.on_alert',
    'sensors.ref': 'demo.hourly',
    'executions.id': ask.body.id,
    'events.id': event.body.event_id,
    'inquiries.id': inquiry.id,
    'dlq.queue': dlq,
    'keys.id': randomUUID(),
    'roles.name': 'viewer',
    'secrets.name': 'demo_secret',
    triggerRef: 'demo.alert',
  });
}
