import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AttuneProcess } from '../support/attune-process';
import { TestDatabase } from '../support/database';
import { TEST_SECRET_KEY } from '../support/env';
import { SseFeed } from '../support/live-feeds';
import { deleteTopology, uniquePrefix } from '../support/rabbit';
import { waitFor } from '../support/wait-for';

const run = promisify(execFile);
const CLI = join(__dirname, '..', '..', 'bin', 'attune.js');
const VALUE = 'hunter2-correct-horse-battery';
const PASSWORD = 'p4ssw0rd-never-shown';

describe('security: secrets reach the action and nothing else', () => {
  const db = new TestDatabase();
  const prefix = uniquePrefix('secrets');
  const dir = mkdtempSync(join(tmpdir(), 'attune-secrets-'));
  let app: AttuneProcess;
  let feed: SseFeed;

  const start = (env: Record<string, string> = {}) =>
    AttuneProcess.startReady({ roles: 'all', databaseUrl: db.url, prefix, env });
  const fire = async (file: string) => {
    const response = await app.request('POST', '/api/v1/webhooks/vault.used', { file });
    expect(response.status).toBe(202);
    return waitFor(
      async () => {
        const page = await app.request('GET', '/api/v1/executions?action=core.shell&limit=50');
        return page.body.items.find(
          (e: { parameters: { args?: string[] }; status: string }) =>
            e.parameters.args?.[0] === file && ['succeeded', 'failed'].includes(e.status),
        );
      },
      { description: `the shell execution writing ${file}` },
    );
  };
  const dump = async () =>
    (await run('pg_dump', ['-h', '127.0.0.1', '-U', 'postgres', db.name], { maxBuffer: 64 << 20 }))
      .stdout;

  beforeAll(async () => {
    await db.create();
    app = await start();
    feed = await SseFeed.open(`${app.url}/api/v1/stream`);
    expect(
      (await app.request('PUT', '/api/v1/secrets/db_password', { value: VALUE, description: 'db' }))
        .status,
    ).toBe(201);
    await app.request('POST', '/api/v1/triggers', { ref: 'vault.used' });
    const rule = await app.request('POST', '/api/v1/rules', {
      ref: 'vault.write_it',
      trigger: 'vault.used',
      action: 'core.shell',
      parameters: {
        cmd: 'printf %s "$PW" > "$1"; echo "pw is $PW"; echo arg {{ secret.db_password }}',
        args: ['{{ event.payload.file }}'],
        env: { PW: '{{ secret.db_password }}' },
      },
    });
    expect(rule.status).toBe(201);
  });

  afterAll(async () => {
    feed?.close();
    await app?.stop();
    await deleteTopology(prefix);
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists secrets by name and who set them, never their values', async () => {
    const replaced = await app.request('PUT', '/api/v1/secrets/db_password', {
      value: VALUE,
      description: 'the database',
    });
    expect(replaced.status).toBe(200);
    const list = await app.request('GET', '/api/v1/secrets');
    expect(list.body.items).toEqual([
      {
        name: 'db_password',
        description: 'the database',
        updated_by: 'key:ATTUNE_ADMIN_KEY',
        created_at: expect.any(String),
        updated_at: expect.any(String),
      },
    ]);
    expect(JSON.stringify(list.body)).not.toContain(VALUE);
    const short = await app.request('PUT', '/api/v1/secrets/tiny', { value: 'abc' });
    expect(short.status).toBe(400);
  });

  it("puts the value into the rule's core.shell step and shows *** everywhere else", async () => {
    const file = join(dir, 'first.txt');
    const execution = await fire(file);
    expect(execution.status).toBe('succeeded');
    expect(readFileSync(file, 'utf8')).toBe(VALUE);
    expect(execution.parameters.env).toEqual({ PW: '{{ secret.db_password }}' });
    expect(execution.result.stdout).toBe('pw is ***\narg ***\n');

    const stored = await db.query<{ row: string }>(
      'SELECT row_to_json(e)::text AS row FROM execution e WHERE id = $1',
      [execution.id],
    );
    expect(stored[0].row).not.toContain(VALUE);
    await waitFor(() =>
      feed.notifications.some((n) => n.execution_id === execution.id && n.status === 'succeeded'),
    );
    expect(JSON.stringify(feed.events)).not.toContain(VALUE);
    expect(app.output.join('\n')).not.toContain(VALUE);
    expect(await dump()).not.toContain(VALUE);
  });

  it('stores and shows parameters marked "secret": true as ***', async () => {
    await app.request('POST', '/api/v1/actions', {
      ref: 'vault.login',
      runner: 'echo',
      parameters_schema: {
        type: 'object',
        properties: { user: { type: 'string' }, password: { type: 'string', secret: true } },
      },
    });
    const created = await app.request('POST', '/api/v1/executions', {
      action: 'vault.login',
      parameters: { user: 'ops', password: PASSWORD },
    });
    expect(created.status).toBe(201);
    const done = await waitFor(async () => {
      const got = await app.request('GET', `/api/v1/executions/${created.body.id}`);
      return got.body.status === 'succeeded' ? got.body : undefined;
    });
    expect(done.parameters).toEqual({ user: 'ops', password: '***' });
    // core.echo answers its parameters: the worker saw the value, the result shows ***.
    expect(done.result).toEqual({ user: 'ops', password: '***' });
    const [row] = await db.query<{ password: string }>(
      "SELECT parameters->>'password' AS password FROM execution WHERE id = $1",
      [created.body.id],
    );
    expect(row.password).toMatch(/^atn-sealed:v1:/);
    expect(await dump()).not.toContain(PASSWORD);
  });

  it('never resolves a secret reference that arrives in event data', async () => {
    await app.request('POST', '/api/v1/triggers', { ref: 'vault.echo' });
    await app.request('POST', '/api/v1/rules', {
      ref: 'vault.echo_it',
      trigger: 'vault.echo',
      action: 'core.echo',
      parameters: { said: '{{ event.payload.text }}' },
    });
    const hook = await app.request('POST', '/api/v1/webhooks/vault.echo', {
      text: 'give me {{ secret.db_password }}',
    });
    const enforcement = await waitFor(async () => {
      const page = await app.request('GET', `/api/v1/enforcements?event_id=${hook.body.event_id}`);
      return page.body.items[0];
    });
    expect(enforcement).toMatchObject({ status: 'failed', execution_id: null });
    expect(enforcement.error).toMatch(/secret reference.*values from events are data/);
  });

  it('keeps every secret readable through a key rotation', async () => {
    const newKey = randomBytes(32).toString('base64');
    const rotated = await run(process.execPath, [CLI, 'secrets', 'rotate-key'], {
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        ATTUNE_SECRET_KEY: newKey,
        ATTUNE_SECRET_KEY_PREVIOUS: TEST_SECRET_KEY,
      },
    });
    expect(rotated.stdout).toMatch(/1 secret\(s\), 0 webhook secret\(s\), 1 execution\(s\)/);
    const keyIds = await db.query<{ key_id: string }>('SELECT DISTINCT key_id FROM secret');
    expect(keyIds).toHaveLength(1);

    // Only the new key from now on.
    await app.stop();
    app = await start({ ATTUNE_SECRET_KEY: newKey });
    const file = join(dir, 'after-rotation.txt');
    expect((await fire(file)).status).toBe('succeeded');
    expect(readFileSync(file, 'utf8')).toBe(VALUE);
    const login = (await app.request('GET', '/api/v1/executions?action=vault.login')).body.items[0];
    const rerun = await app.request('POST', `/api/v1/executions/${login.id}/rerun`);
    const again = await waitFor(async () => {
      const got = await app.request('GET', `/api/v1/executions/${rerun.body.id}`);
      return ['succeeded', 'failed'].includes(got.body.status) ? got.body : undefined;
    });
    expect(again).toMatchObject({ status: 'succeeded', result: { user: 'ops', password: '***' } });
  });

  it('answers 503 on the secrets routes without ATTUNE_SECRET_KEY, saying so', async () => {
    const bare = await AttuneProcess.startReady({
      roles: 'api',
      databaseUrl: db.url,
      prefix,
      env: { ATTUNE_SECRET_KEY: '' },
    });
    try {
      const list = await bare.request('GET', '/api/v1/secrets');
      expect(list.status).toBe(503);
      expect(list.body.message).toMatch(/ATTUNE_SECRET_KEY/);
      expect((await bare.request('PUT', '/api/v1/secrets/x_y', { value: 'abcd' })).status).toBe(
        503,
      );
    } finally {
      await bare.stop();
    }
  });
});
