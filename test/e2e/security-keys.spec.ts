import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AttuneProcess } from '../support/attune-process';
import { TestDatabase } from '../support/database';
import { bearer, createKey, plainRequest } from '../support/keys';
import { deleteTopology, uniquePrefix } from '../support/rabbit';
import { waitFor } from '../support/wait-for';

const run = promisify(execFile);
const CLI = join(__dirname, '..', '..', 'bin', 'attune.js');

describe('security: keys across processes, the first key, the CLI, failed attempts, logs', () => {
  const db = new TestDatabase();
  const prefix = uniquePrefix('keys');
  let first: AttuneProcess;
  let second: AttuneProcess;

  beforeAll(async () => {
    await db.create();
    // No ATTUNE_ADMIN_KEY: the first start makes a key and prints it once.
    first = await AttuneProcess.startReady({
      roles: 'all',
      databaseUrl: db.url,
      prefix,
      env: { ATTUNE_ADMIN_KEY: '' },
    });
    second = await AttuneProcess.startReady({ roles: 'api', databaseUrl: db.url, prefix });
  });

  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
    await deleteTopology(prefix);
    await db.drop();
  });

  it('prints an admin key once on a first start with no keys, and it works', async () => {
    const line = await waitFor(
      () => first.logs().find((entry) => String(entry.msg).startsWith('admin key (shown once): ')),
      { description: 'the admin key line' },
    );
    const key = String(line.msg).slice('admin key (shown once): '.length);
    expect(key).toMatch(/^atn_[A-Za-z0-9_-]{43}$/);
    const me = await plainRequest(first, 'GET', '/api/v1/me', undefined, bearer(key));
    expect(me.body).toMatchObject({ key: 'admin', role: 'admin' });
    // Stored as a hash only.
    const rows = await db.query<{ key_hash: string }>('SELECT key_hash FROM api_key');
    expect(rows.map((row) => row.key_hash)).not.toContain(key);
    expect(JSON.stringify(rows)).not.toContain(key.slice(4));

    // A restart finds a key and prints none.
    await first.stop();
    first = await AttuneProcess.startReady({
      roles: 'all',
      databaseUrl: db.url,
      prefix,
      env: { ATTUNE_ADMIN_KEY: '' },
    });
    await waitFor(() =>
      first
        .logs()
        .some(
          (entry) =>
            entry.msg ===
            `listening on http://0.0.0.0:${first.port} (roles api,sensor,executor,worker,notifier)`,
        ),
    );
    expect(first.output.join('\n')).not.toContain('admin key (shown once)');
  });

  it('refuses a revoked key in another process within 2 s', async () => {
    const { id, key } = await createKey(second, 'soon-revoked', 'viewer');
    expect(
      (await plainRequest(second, 'GET', '/api/v1/actions', undefined, bearer(key))).status,
    ).toBe(200);
    const revoke = await second.request('DELETE', `/api/v1/keys/${id}`);
    expect(revoke.status).toBe(204);
    const revokedAt = Date.now();
    // `first` is another process; it has seen the key before the revocation too.
    await waitFor(
      async () =>
        (await plainRequest(first, 'GET', '/api/v1/actions', undefined, bearer(key))).status ===
        401,
      { timeoutMs: 5000, intervalMs: 20, description: 'the revoked key to be refused' },
    );
    expect(Date.now() - revokedAt).toBeLessThan(2000);
    const listed = (await second.request('GET', '/api/v1/keys?include_revoked=true')).body.items;
    expect(listed.find((k: { id: string }) => k.id === id)).toMatchObject({
      name: 'soon-revoked',
      revoked_at: expect.any(String),
      last_used_at: expect.any(String),
    });
  });

  it('refuses an expired key in another process within 2 s of its expiry', async () => {
    const expiresAt = new Date(Date.now() + 2500);
    const { key } = await createKey(second, 'short-lived', 'viewer', expiresAt);
    expect(
      (await plainRequest(first, 'GET', '/api/v1/actions', undefined, bearer(key))).status,
    ).toBe(200);
    await waitFor(
      async () =>
        (await plainRequest(first, 'GET', '/api/v1/actions', undefined, bearer(key))).status ===
        401,
      { timeoutMs: 8000, intervalMs: 20, description: 'the expired key to be refused' },
    );
    expect(Date.now() - expiresAt.getTime()).toBeLessThan(2000);
  });

  it('manages keys from the CLI: create prints the key once, list never shows it, revoke ends it', async () => {
    const env = { ...process.env, DATABASE_URL: db.url, MQ_PREFIX: prefix };
    const created = await run(
      process.execPath,
      [CLI, 'keys', 'create', '--name', 'from-cli', '--role', 'operator'],
      { env },
    );
    const key = created.stdout.trim().split('\n').pop()!;
    expect(key).toMatch(/^atn_/);
    expect(
      (await plainRequest(second, 'GET', '/api/v1/me', undefined, bearer(key))).body,
    ).toMatchObject({
      key: 'from-cli',
      role: 'operator',
    });
    const listed = await run(process.execPath, [CLI, 'keys', 'list'], { env });
    expect(listed.stdout).toMatch(/from-cli\toperator\tatn_/);
    expect(listed.stdout).not.toContain(key);
    await run(process.execPath, [CLI, 'keys', 'revoke', 'from-cli'], { env });
    await waitFor(
      async () =>
        (await plainRequest(second, 'GET', '/api/v1/me', undefined, bearer(key))).status === 401,
      { timeoutMs: 5000, description: 'the key revoked from the CLI to be refused' },
    );
    const audit = (await second.request('GET', '/api/v1/audit?actor=cli')).body.items;
    expect(audit.map((row: { action: string }) => row.action).sort()).toEqual(['create', 'revoke']);

    const unknownRole = await run(
      process.execPath,
      [CLI, 'keys', 'create', '--name', 'x', '--role', 'nobody'],
      { env },
    ).catch((error: { code: number; stderr: string }) => error);
    expect(unknownRole).toMatchObject({ code: 1 });
    expect((unknownRole as { stderr: string }).stderr.trim()).toBe(
      "attune: role 'nobody' does not exist (built-in: viewer, operator, editor, admin)",
    );
  });

  it('leaves no credential of a refused request in the log', async () => {
    const response = await plainRequest(
      second,
      'GET',
      '/api/v1/actions?password=pw-value-456&limit=1',
      undefined,
      {
        authorization: 'Bearer atn_not-a-key-but-looks-like-one-1234567890',
        cookie: 'session=cookie-value-123',
      },
    );
    expect(response.status).toBe(401);
    const line = await waitFor(
      () =>
        second.output.find(
          (text) => text.includes('"statusCode":401') && text.includes('/api/v1/actions'),
        ),
      { description: 'the log line of the 401' },
    );
    expect(line).toContain('[redacted]');
    const all = second.output.join('\n');
    for (const credential of ['not-a-key-but-looks-like-one', 'cookie-value-123', 'pw-value-456']) {
      expect(all).not.toContain(credential);
    }
  });
});

describe('security: failed attempts are rate limited per address', () => {
  const db = new TestDatabase();
  const prefix = uniquePrefix('throttle');
  let app: AttuneProcess;

  beforeAll(async () => {
    await db.create();
    app = await AttuneProcess.startReady({
      roles: 'api',
      databaseUrl: db.url,
      prefix,
      env: { AUTH_FAILURE_LIMIT: '5' },
    });
  });

  afterAll(async () => {
    await app?.stop();
    await deleteTopology(prefix);
    await db.drop();
  });

  it('answers 429 with Retry-After once an address failed too often, even to a good key', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push(
        (
          await plainRequest(
            app,
            'GET',
            '/api/v1/actions',
            undefined,
            bearer(`atn_${'x'.repeat(40)}`),
          )
        ).status,
      );
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    const blocked = await app.request('GET', '/api/v1/actions');
    expect(blocked.status).toBe(429);
    expect(blocked.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
    const raw = await plainRequest(app, 'POST', '/api/v1/webhooks/core.webhook', {});
    expect(raw.status).toBe(429);
    const seconds = Number(raw.headers.get('retry-after'));
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThanOrEqual(60);
    // Health stays open to the blocked address.
    expect((await plainRequest(app, 'GET', '/health/live')).status).toBe(200);
  });
});
