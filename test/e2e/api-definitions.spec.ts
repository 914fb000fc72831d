import { ApiSuite, send, startApiSuite, stopApiSuite } from '../support/api-suite';

describe('api: triggers, actions, rules and sensors by ref', () => {
  let suite: ApiSuite;
  const api = (method: string, path: string, json?: unknown) =>
    send(suite.app, method, `/api/v1${path}`, { json });

  beforeAll(async () => {
    suite = await startApiSuite('apidef', 'api');
  });

  afterAll(async () => {
    await stopApiSuite(suite);
  });

  it('creates, reads, replaces and deletes a trigger', async () => {
    const schema = { type: 'object', required: ['severity'] };
    const created = await api('POST', '/triggers', {
      ref: 'crud.alert',
      description: 'raised by monitoring',
      payload_schema: schema,
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      ref: 'crud.alert',
      description: 'raised by monitoring',
      payload_schema: schema,
      webhook_secret_set: false,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });

    expect((await api('GET', '/triggers/crud.alert')).body).toEqual(created.body);

    const replaced = await api('PUT', '/triggers/crud.alert', {
      ref: 'crud.alert',
      description: 'changed',
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({
      id: created.body.id,
      description: 'changed',
      payload_schema: null,
      created_at: created.body.created_at,
    });
    expect(Date.parse(replaced.body.updated_at)).toBeGreaterThanOrEqual(
      Date.parse(created.body.updated_at),
    );

    expect((await api('DELETE', '/triggers/crud.alert')).status).toBe(204);
    expect((await api('GET', '/triggers/crud.alert')).status).toBe(404);
  });

  it('creates an action with defaults and returns retry_on_worker_loss', async () => {
    const created = await api('POST', '/actions', {
      ref: 'crud.greet',
      runner: 'shell',
      parameters_schema: {
        type: 'object',
        properties: { cmd: { type: 'string' }, shell: { type: 'string' } },
        required: ['cmd'],
      },
      defaults: { shell: '/bin/sh' },
      timeout_ms: 60_000,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      ref: 'crud.greet',
      runner: 'shell',
      defaults: { shell: '/bin/sh' },
      timeout_ms: 60_000,
      retry_on_worker_loss: false,
      description: null,
    });

    const replaced = await api('PUT', '/actions/crud.greet', {
      runner: 'echo',
      retry_on_worker_loss: true,
    });
    expect(replaced.body).toMatchObject({
      runner: 'echo',
      parameters_schema: null,
      defaults: null,
      timeout_ms: null,
      retry_on_worker_loss: true,
    });
  });

  it('creates a rule on an existing trigger and action, and protects what it uses', async () => {
    await api('POST', '/triggers', { ref: 'crud.deploy' });
    await api('POST', '/actions', { ref: 'crud.notify', runner: 'echo' });
    const rule = await api('POST', '/rules', {
      ref: 'crud.on_deploy',
      trigger: 'crud.deploy',
      criteria: { 'payload.env': { eq: 'prod' } },
      action: 'crud.notify',
      parameters: { text: 'deployed {{ event.payload.version }}' },
    });
    expect(rule.status).toBe(201);
    expect(rule.body).toMatchObject({
      ref: 'crud.on_deploy',
      trigger: 'crud.deploy',
      action: 'crud.notify',
      criteria: { 'payload.env': { eq: 'prod' } },
      parameters: { text: 'deployed {{ event.payload.version }}' },
      enabled: true,
    });

    const triggerInUse = await api('DELETE', '/triggers/crud.deploy');
    expect(triggerInUse.status).toBe(409);
    expect(triggerInUse.body.message).toContain("rule 'crud.on_deploy'");
    const actionInUse = await api('DELETE', '/actions/crud.notify');
    expect(actionInUse.status).toBe(409);
    expect(actionInUse.body.message).toContain("rule 'crud.on_deploy'");

    const disabled = await api('PUT', '/rules/crud.on_deploy', {
      trigger: 'crud.deploy',
      action: 'crud.notify',
      enabled: false,
    });
    expect(disabled.body).toMatchObject({ enabled: false, criteria: null, parameters: null });

    expect((await api('DELETE', '/rules/crud.on_deploy')).status).toBe(204);
    expect((await api('DELETE', '/triggers/crud.deploy')).status).toBe(204);
    expect((await api('DELETE', '/actions/crud.notify')).status).toBe(204);
  });

  it('creates timer and http_poll sensors', async () => {
    const interval = await api('POST', '/sensors', {
      ref: 'crud.every_5s',
      type: 'timer',
      trigger: 'core.timer',
      config: { interval_ms: 5000 },
    });
    expect(interval.status).toBe(201);
    expect(interval.body).toMatchObject({ trigger: 'core.timer', enabled: true });

    const cron = await api('POST', '/sensors', {
      ref: 'crud.cron',
      type: 'timer',
      trigger: 'core.timer',
      config: { cron: '*/5 * * * * *' },
      enabled: false,
    });
    expect(cron.status).toBe(201);
    expect(cron.body).toMatchObject({ config: { cron: '*/5 * * * * *' }, enabled: false });

    await api('POST', '/triggers', { ref: 'crud.status' });
    const poll = await api('POST', '/sensors', {
      ref: 'crud.poll',
      type: 'http_poll',
      trigger: 'crud.status',
      config: { url: 'https://example.com/status', interval_ms: 10_000 },
    });
    expect(poll.status).toBe(201);

    const triggerInUse = await api('DELETE', '/triggers/crud.status');
    expect(triggerInUse.status).toBe(409);
    expect(triggerInUse.body.message).toContain("sensor 'crud.poll'");
    expect((await api('DELETE', '/sensors/crud.poll')).status).toBe(204);
    expect((await api('DELETE', '/sensors/crud.poll')).status).toBe(404);
    expect((await api('DELETE', '/triggers/crud.status')).status).toBe(204);
  });

  it('lists newest first with limit and offset, and the core pack is there', async () => {
    for (const name of ['a', 'b', 'c']) {
      expect((await api('POST', '/triggers', { ref: `page.${name}` })).status).toBe(201);
    }
    const first = await api('GET', '/triggers?limit=2');
    expect(first.body).toMatchObject({ limit: 2, offset: 0 });
    expect(first.body.items.map((t: { ref: string }) => t.ref)).toEqual(['page.c', 'page.b']);
    const second = await api('GET', '/triggers?limit=2&offset=2');
    expect(second.body.items[0].ref).toBe('page.a');
    expect(second.body.total).toBe(first.body.total);

    const all = await api('GET', '/triggers?limit=500');
    const refs = all.body.items.map((t: { ref: string }) => t.ref);
    expect(refs).toEqual(expect.arrayContaining(['core.webhook', 'core.timer', 'core.inquiry']));
    expect(all.body.total).toBe(refs.length);

    const actions = await api('GET', '/actions?limit=500');
    expect(actions.body.items.map((a: { ref: string }) => a.ref)).toEqual(
      expect.arrayContaining(['core.echo', 'core.noop', 'core.sleep', 'core.shell', 'core.http']),
    );
  });

  it('keeps the core pack read-only', async () => {
    const put = await api('PUT', '/actions/core.echo', { runner: 'noop' });
    expect(put.status).toBe(409);
    expect(put.body.message).toMatch(/core pack/);
    expect((await api('DELETE', '/actions/core.shell')).status).toBe(409);
    expect((await api('POST', '/actions', { ref: 'core.mine', runner: 'noop' })).status).toBe(409);
    expect((await api('GET', '/actions/core.echo')).body.runner).toBe('echo');
  });

  it('serves the OpenAPI document generated from the DTOs', async () => {
    const json = await send(suite.app, 'GET', '/api/docs-json');
    expect(json.status).toBe(200);
    expect(Object.keys(json.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/triggers',
        '/api/v1/actions/{ref}',
        '/api/v1/webhooks/{triggerRef}',
        '/api/v1/executions/{id}/cancel',
        '/api/v1/inquiries/{id}/respond',
        '/api/v1/dlq/{queue}/replay',
      ]),
    );
    const createAction = json.body.components.schemas.CreateActionDto;
    expect(createAction.required).toEqual(expect.arrayContaining(['ref', 'runner']));
    expect(createAction.properties.runner.enum).toEqual([
      'shell',
      'http',
      'echo',
      'noop',
      'sleep',
      'ask',
      'workflow',
    ]);
    expect(createAction.properties.timeout_ms).toMatchObject({ type: 'integer', minimum: 1 });

    const ui = await send(suite.app, 'GET', '/api/docs');
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-type')).toContain('text/html');
  });
});
