'use strict';
// One Attune deployment for a bench run: a fresh database and MQ prefix, the processes of a
// topology (default settings, but LOG_LEVEL=warn and the names the run gives them), a trigger
// and a rule, and clients for the API and the database. close() stops and removes everything.

const { randomBytes } = require('node:crypto');
const { chmodSync, mkdirSync, mkdtempSync, rmSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');
const { Client } = require('pg');
const { HttpClient } = require('./http-client');
const {
  createDatabase,
  dropDatabase,
  deleteBrokerObjects,
  attuneExchanges,
  randomId,
} = require('./infra');
const { freePort, startAttune, waitReady } = require('./processes');

const TRIGGER = 'bench.tick';

/**
 * The settings every bench process gets that a user's would not have: quieter logs (at info,
 * every request is a log line, CPU a user would not spend at these rates), and names.
 */
const BENCH_SETTINGS = { LOG_LEVEL: 'warn' };

/** @typedef {{ name: string, roles: string, env?: Record<string, string>, embedded?: boolean }} ProcessSpec */

/**
 * @param {import('./config').BenchConfig} config
 * @param {{ label: string, topology: ProcessSpec[], appEnv: Record<string, string>,
 *           logDir: string, cleanup: import('./infra').Cleanup,
 *           rss: import('./proc-stats').PeakRss, profileDir?: string,
 *           rule: { action: string, parameters?: Record<string, unknown> },
 *           httpSockets: number }} options
 */
async function startDeployment(config, options) {
  const { label, topology, logDir, cleanup, rss } = options;
  // Embedded: no DATABASE_URL; the process starts a PostgreSQL of its own in a data directory
  // of the run's, whose URL is known once it is up.
  const embeddedDir = topology[0].embedded
    ? mkdtempSync(path.join(os.tmpdir(), 'attune-bench-'))
    : undefined;
  if (embeddedDir) chmodSync(embeddedDir, 0o755); // PostgreSQL runs as its own user
  const database = embeddedDir
    ? { name: 'attune', url: '' }
    : await createDatabase(config.pgAdminUrl);
  const dropDb = embeddedDir
    ? cleanup.add(`remove ${embeddedDir}`, async () =>
        rmSync(embeddedDir, { recursive: true, force: true }),
      )
    : cleanup.add(`drop database ${database.name}`, () =>
        dropDatabase(config.pgAdminUrl, database.name),
      );
  const prefix = `attune-bench-${randomId()}`;
  const adminKey = `atn_${randomBytes(32).toString('base64url')}`;
  const dropQueues = cleanup.add(`delete queues and exchanges ${prefix}.*`, () =>
    deleteBrokerObjects(config.amqpUrl, prefix, { exchanges: attuneExchanges(prefix) }),
  );
  /** @type {Client | undefined} */
  let db;
  /** @type {import('./processes').BenchChild[]} */
  let children = [];
  /** @type {HttpClient | undefined} */
  let http;
  const close = async () => {
    http?.close();
    await db?.end().catch(() => {});
    await Promise.all(children.map((child) => child.stop()));
    await dropQueues();
    await dropDb();
  };
  try {
    // A freed port can be handed out again: make sure each process gets its own.
    /** @type {number[]} */
    const ports = [];
    while (ports.length < topology.length) {
      const port = await freePort();
      if (!ports.includes(port)) ports.push(port);
    }
    if (options.profileDir) mkdirSync(options.profileDir, { recursive: true });
    children = topology.map((spec, index) => {
      const child = startAttune({
        name: `${label}/${spec.name}`,
        roles: spec.roles,
        port: ports[index],
        logFile: path.join(logDir, `${label}-${spec.name}.log`),
        profileDir: spec.roles === 'all' ? options.profileDir : undefined,
        env: {
          DATABASE_URL: database.url,
          ...(embeddedDir ? { ATTUNE_DATA_DIR: embeddedDir } : {}),
          AMQP_URL: config.amqpUrl,
          MQ_PREFIX: prefix,
          ...BENCH_SETTINGS,
          INSTANCE_ID: `${prefix}-${spec.name}`,
          WORKER_NAME: `${prefix}-${spec.name}`,
          // Keys on, as a user runs it: every webhook is authenticated with this key.
          ATTUNE_ADMIN_KEY: adminKey,
          ...spec.env,
          ...options.appEnv,
        },
      });
      rss.track(`${label}/${spec.name} (pid ${child.pid})`, child.pid);
      return child;
    });
    await Promise.all(children.map((child) => waitReady(child)));
    const api = children[topology.findIndex((spec) => ['all', 'api'].includes(spec.roles))];
    http = new HttpClient(`http://127.0.0.1:${api.port}`, options.httpSockets, {
      authorization: `Bearer ${adminKey}`,
    });
    if (embeddedDir) {
      const { EmbeddedPostgres } = require(
        path.join(__dirname, '..', 'dist', 'database', 'embedded-postgres.js'),
      );
      database.url = EmbeddedPostgres.urlOfRunning(embeddedDir);
    }
    db = new Client({ connectionString: database.url });
    await db.connect();
    const workers = topology.filter((s) => ['all', 'worker'].includes(s.roles)).length;
    await setUp(http, db, workers, options.rule);
    return { database, prefix, children, api, http, db, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Creates the trigger and the rule, and waits until the workers have registered. */
async function setUp(http, db, workers, rule) {
  const expectCreated = async (path, body) => {
    const response = await http.request('POST', path, body);
    if (response.status !== 201 && response.status !== 200) {
      throw new Error(`POST ${path} answered ${response.status}: ${JSON.stringify(response.body)}`);
    }
  };
  await expectCreated('/api/v1/triggers', { ref: TRIGGER });
  await expectCreated('/api/v1/rules', {
    ref: 'bench.on_tick',
    trigger: TRIGGER,
    enabled: true,
    ...rule,
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM worker WHERE status = 'active'`,
    );
    if (rows[0].n >= workers) return;
    if (Date.now() > deadline) throw new Error(`only ${rows[0].n}/${workers} workers registered`);
    await sleep(200);
  }
}

/** Settings that differ from a user's defaults in this run, said in one line. */
function settingsNote(appEnv) {
  const differing = { ...BENCH_SETTINGS, ...appEnv };
  return Object.entries(differing)
    .map(([name, value]) => `${name}=${value}`)
    .join(', ');
}

module.exports = { startDeployment, settingsNote, TRIGGER };
