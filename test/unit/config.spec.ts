import { resolve } from 'node:path';
import { InvalidConfigError, loadConfig, redactUrl } from '../../src/config/app-config';
import { parseRoles, ROLE_NAMES } from '../../src/config/roles';

describe('configuration', () => {
  it('has a default for every variable', () => {
    const config = loadConfig({});
    expect(config.roles).toEqual([...ROLE_NAMES]);
    expect(config.http.port).toBe(3000);
    expect(config.messaging).toMatchObject({
      prefix: 'attune',
      prefetch: 50,
      executionQueueTtlMs: 300_000,
      retryBackoffMs: [1000, 5000, 30_000],
    });
    expect(config.worker).toMatchObject({ capacity: 10, heartbeatMs: 10_000 });
    expect(config.database.migrateOnStart).toBe(true);
    expect(config.logLevel).toBe('info');
  });

  it('parses every variable it is given', () => {
    const config = loadConfig({
      ROLES: 'worker, api',
      PORT: '8080',
      DATABASE_URL: 'postgresql://u:p@db:5432/x',
      DATABASE_MIGRATE_ON_START: 'false',
      AMQP_URL: 'amqps://u:p@mq:5671/vh',
      MQ_PREFIX: 'prod',
      MQ_PREFETCH: '7',
      EXECUTION_QUEUE_TTL_MS: '1234',
      RETRY_BACKOFF_MS: '10, 20,30',
      WORKER_NAME: 'w-1',
      WORKER_CAPACITY: '3',
      WORKER_HEARTBEAT_MS: '500',
      LOG_LEVEL: 'debug',
      INSTANCE_ID: 'i-1',
    });
    expect(config.roles).toEqual(['api', 'worker']);
    expect(config.http.port).toBe(8080);
    expect(config.database).toEqual({ url: 'postgresql://u:p@db:5432/x', migrateOnStart: false });
    expect(config.messaging).toMatchObject({
      url: 'amqps://u:p@mq:5671/vh',
      prefix: 'prod',
      prefetch: 7,
      executionQueueTtlMs: 1234,
      retryBackoffMs: [10, 20, 30],
    });
    expect(config.worker).toEqual({ name: 'w-1', capacity: 3, heartbeatMs: 500 });
    expect(config.instanceId).toBe('i-1');
    expect(config.logLevel).toBe('debug');
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['AMQP_URL', 'notaurl'],
    ['AMQP_URL', 'http://example.com'],
    ['DATABASE_URL', 'mysql://x'],
    ['MQ_PREFETCH', '0'],
    ['RETRY_BACKOFF_MS', '1000,soon'],
    ['WORKER_CAPACITY', '-1'],
    ['LOG_LEVEL', 'loud'],
    ['DATABASE_MIGRATE_ON_START', 'maybe'],
    ['MQ_PREFIX', 'Has Spaces'],
  ])('rejects %s=%s with a message naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(InvalidConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`\\b${name}\\b`));
  });

  it('without DATABASE_URL, runs on the embedded database in ATTUNE_DATA_DIR, listening on loopback', () => {
    const embedded = loadConfig({});
    expect(embedded.database.url).toBeUndefined();
    expect(embedded.dataDir).toBe(resolve('.attune'));
    expect(embedded.http.host).toBe('127.0.0.1');
    expect(loadConfig({ ATTUNE_DATA_DIR: 'var/attune' }).dataDir).toBe(resolve('var/attune'));

    const configured = loadConfig({ DATABASE_URL: 'postgres://db/attune' });
    expect(configured.http.host).toBe('0.0.0.0');
    expect(loadConfig({ DATABASE_URL: 'postgres://db/attune', HOST: '10.1.2.3' }).http.host).toBe(
      '10.1.2.3',
    );
    expect(loadConfig({ HOST: '::' }).http.host).toBe('::');
    expect(() => loadConfig({ HOST: 'http://x' })).toThrow(/\bHOST\b/);
  });

  it('hides passwords in URLs it logs', () => {
    expect(redactUrl('amqp://guest:secret@host:5672')).toBe('amqp://guest:***@host:5672');
    expect(redactUrl('postgres://postgres@127.0.0.1/attune')).toBe(
      'postgres://postgres@127.0.0.1/attune',
    );
  });
});

describe('ROLES', () => {
  it('defaults to every role and accepts "all"', () => {
    expect(parseRoles(undefined)).toEqual([...ROLE_NAMES]);
    expect(parseRoles('all')).toEqual([...ROLE_NAMES]);
  });

  it('accepts a comma list in any order, without duplicates', () => {
    expect(parseRoles('executor,api')).toEqual(['api', 'executor']);
    expect(parseRoles(' worker , worker ')).toEqual(['worker']);
  });

  it.each(['', ' , ', 'bogus', 'api,bogus'])('rejects %p and names the valid roles', (raw) => {
    expect(() => parseRoles(raw)).toThrow(/valid roles: api, sensor, executor, worker, notifier/);
  });
});

describe('security settings', () => {
  const key = Buffer.alloc(32, 1).toString('base64');

  it('reads keys, origins and the deny list', () => {
    const config = loadConfig({
      ATTUNE_ADMIN_KEY: `atn_${'a'.repeat(40)}`,
      ATTUNE_SECRET_KEY: key,
      ATTUNE_SECRET_KEY_PREVIOUS: `${key}, ${Buffer.alloc(32, 2).toString('base64')}`,
      ALLOWED_ORIGINS: 'https://a.example, http://localhost:3000',
      HTTP_RUNNER_DENY: '10.0.0.0/8, 169.254.169.254',
      METRICS_TOKEN: 'scrape-token-0123456789',
    });
    expect(config.auth).toMatchObject({
      adminKey: `atn_${'a'.repeat(40)}`,
      allowedOrigins: ['https://a.example', 'http://localhost:3000'],
      metricsToken: 'scrape-token-0123456789',
      failureLimit: 30,
      webhookToleranceS: 300,
    });
    expect(config.secrets.previousKeys).toHaveLength(2);
    expect(config.httpRunnerDeny).toEqual(['10.0.0.0/8', '169.254.169.254/32']);
    expect(loadConfig({}).httpRunnerDeny).toEqual(['169.254.169.254/32', 'fd00:ec2::254/128']);
  });

  it.each([
    ['ATTUNE_ADMIN_KEY', 'not-a-key'],
    ['ATTUNE_ADMIN_KEY', 'atn_short'],
    ['ATTUNE_SECRET_KEY', Buffer.alloc(16).toString('base64')],
    ['ATTUNE_SECRET_KEY_PREVIOUS', `${key},nope`],
    ['ALLOWED_ORIGINS', 'https://a.example/path'],
    ['HTTP_RUNNER_DENY', '10.0.0.0/33'],
    ['METRICS_TOKEN', 'short'],
  ])('rejects %s=%s naming it, without echoing a key', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`\\b${name}\\b`));
    if (name !== 'ALLOWED_ORIGINS' && name !== 'HTTP_RUNNER_DENY') {
      expect(() => loadConfig({ [name]: value })).not.toThrow(value);
    }
  });
});
