'use strict';
// npm run chaos: roles split over processes (api, executor ×2, worker ×2), a steady stream of
// webhooks, and faults while it flows (replicas SIGKILLed, the broker closing connections and
// restarting, PostgreSQL restarting, a worker frozen past its queue TTL, a network cut between a
// role and the broker). Then the accounting: what was accepted, stored and executed, how often,
// how it ended, what the dead-letter queues hold and which processes died by themselves. Exits
// 1 on anything lost, duplicated or stuck, any execution that did not succeed, or any process
// that died on its own. Restarts the local RabbitMQ and PostgreSQL: run it on a machine of your
// own, not next to other users of those servers.

const { mkdirSync } = require('node:fs');
const path = require('node:path');
const { randomBytes } = require('node:crypto');
const { performance } = require('node:perf_hooks');
const { setTimeout: sleep } = require('node:timers/promises');
const { Client } = require('pg');
const { HttpClient } = require('../bench/http-client');
const {
  attuneExchanges,
  Cleanup,
  createDatabase,
  deleteBrokerObjects,
  dropDatabase,
  randomId,
} = require('../bench/infra');
const { fixedRate } = require('../bench/load-shapes');
const { account, deadLetters } = require('./accounting');
const { faultSchedule } = require('./faults');
const { Fleet } = require('./fleet');
const { TcpProxy } = require('./tcp-proxy');

const env = process.env;
const CONFIG = {
  webhooks: Number(env.CHAOS_WEBHOOKS ?? 3000),
  rate: Number(env.CHAOS_RATE ?? 150),
  drainSeconds: Number(env.CHAOS_DRAIN_S ?? 180),
  pgAdminUrl: env.CHAOS_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  amqpUrl: env.CHAOS_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  /** `postgres`: messages through PostgreSQL; the faults that need RabbitMQ are left out. */
  transport: env.CHAOS_TRANSPORT === 'postgres' ? 'postgres' : 'rabbitmq',
};
const TRIGGER = 'chaos.tick';
const RULES = ['chaos.echo_it', 'chaos.sleep_on_it'];
/** Workers heartbeat every second: one frozen longer than ~4 s is reaped and its work moved. */
const HEARTBEAT_MS = 1000;
const QUEUE_TTL_MS = 6000;
const FREEZE_MS = 8000;

const started = performance.now();
const log = (line) =>
  process.stdout.write(
    `[chaos ${((performance.now() - started) / 1000).toFixed(1).padStart(6)}s] ${line}\n`,
  );

async function main() {
  const cleanup = new Cleanup();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const logDir = path.join(__dirname, 'results', stamp);
  mkdirSync(logDir, { recursive: true });
  const database = await createDatabase(CONFIG.pgAdminUrl);
  cleanup.add(`drop database ${database.name}`, () =>
    dropDatabase(CONFIG.pgAdminUrl, database.name),
  );
  const prefix = `attune-chaos-${randomId()}`;
  cleanup.add(`delete ${prefix}.*`, () =>
    deleteBrokerObjects(CONFIG.amqpUrl, prefix, { exchanges: attuneExchanges(prefix) }),
  );
  const adminKey = `atn_${randomBytes(32).toString('base64url')}`;
  const proxy = new TcpProxy(5672);
  const proxyPort = await proxy.listen();
  cleanup.add('close the proxy', () => proxy.close());

  const fleet = new Fleet(
    [
      { name: 'api', roles: 'api', env: {} },
      { name: 'executor-1', roles: 'executor', env: {} },
      {
        name: 'executor-2',
        roles: 'executor',
        env: { AMQP_URL: `amqp://guest:guest@127.0.0.1:${proxyPort}` },
      },
      { name: 'worker-1', roles: 'worker', env: { WORKER_NAME: `${prefix}-worker-1` } },
      { name: 'worker-2', roles: 'worker', env: { WORKER_NAME: `${prefix}-worker-2` } },
    ],
    {
      logDir,
      log,
      env: {
        DATABASE_URL: database.url,
        AMQP_URL: CONFIG.amqpUrl,
        MQ_PREFIX: prefix,
        LOG_LEVEL: 'info',
        ATTUNE_ADMIN_KEY: adminKey,
        WORKER_HEARTBEAT_MS: String(HEARTBEAT_MS),
        EXECUTION_QUEUE_TTL_MS: String(QUEUE_TTL_MS),
        WORKER_CAPACITY: '50',
        MQ_TRANSPORT: CONFIG.transport,
      },
    },
  );
  cleanup.add('stop the processes', () => fleet.stopAll());
  const db = new Client({ connectionString: database.url });

  try {
    log(
      `starting api, executor ×2, worker ×2 on ${CONFIG.transport} (prefix ${prefix}, logs in ${path.relative(process.cwd(), logDir)})`,
    );
    await fleet.start();
    const http = new HttpClient(`http://127.0.0.1:${fleet.port('api')}`, 64, {
      authorization: `Bearer ${adminKey}`,
    });
    await setUp(http);

    /** @type {string[]} */
    const accepted = [];
    let gaveUp = 0;
    let retries = 0;
    const send = async (i) => {
      const deadline = Date.now() + 60_000;
      for (let attempt = 0; Date.now() < deadline; attempt++) {
        try {
          const response = await http.request('POST', `/api/v1/webhooks/${TRIGGER}`, { n: i });
          if (response.status === 202) {
            accepted.push(response.body.event_id);
            return;
          }
        } catch {
          // the api is down or restarting: like any sender, try again
        }
        retries++;
        await sleep(Math.min(2000, 100 * 2 ** attempt));
      }
      gaveUp++;
    };

    log(`sending ${CONFIG.webhooks} webhooks at ${CONFIG.rate}/s while the faults happen`);
    const loadStart = Date.now();
    const schedule = faultSchedule({ fleet, proxy, freezeMs: FREEZE_MS }).filter(
      (fault) => CONFIG.transport === 'rabbitmq' || !fault.rabbitOnly,
    );
    const faults = schedule.map(async (fault) => {
      await sleep(Math.max(0, loadStart + fault.at - Date.now()));
      log(`fault: ${fault.what}`);
      await fault.act().catch((error) => log(`fault '${fault.what}' failed: ${error.message}`));
    });
    await fixedRate({ count: CONFIG.webhooks, rate: CONFIG.rate, send, maxInFlight: 100_000 });
    await Promise.all(faults);
    log(`load done: ${accepted.length} accepted (${retries} retried sends, ${gaveUp} gave up)`);

    await fleet.allReady();
    await db.connect();
    const drained = await drain(db, accepted.length * RULES.length);
    const report = await account(db, accepted, RULES);
    const dlq = await deadLetters(CONFIG.amqpUrl, prefix);
    await fleet.stopAll();
    http.close();
    return print({
      report,
      dlq,
      drained,
      gaveUp,
      deaths: fleet.diedOnTheirOwn,
      restarts: fleet.restarts,
    });
  } finally {
    await db.end().catch(() => {});
    await cleanup.runAll();
  }
}

/** The trigger and its two rules: a pure built-in and one that runs for a while. */
async function setUp(http) {
  const create = async (p, body) => {
    const response = await http.request('POST', p, body);
    if (response.status !== 201)
      throw new Error(`POST ${p}: ${response.status} ${JSON.stringify(response.body)}`);
  };
  await create('/api/v1/triggers', { ref: TRIGGER });
  await create('/api/v1/rules', {
    ref: RULES[0],
    trigger: TRIGGER,
    action: 'core.echo',
    parameters: { n: '{{ event.payload.n }}' },
  });
  await create('/api/v1/rules', {
    ref: RULES[1],
    trigger: TRIGGER,
    action: 'core.sleep',
    parameters: { seconds: 0.05 },
  });
}

/** Waits until every execution is terminal and none is missing, or the drain time is over. */
async function drain(db, expected) {
  const deadline = Date.now() + CONFIG.drainSeconds * 1000;
  let last = '';
  while (Date.now() < deadline) {
    const { rows } = await db.query(
      `SELECT count(*)::int AS total,
              count(*) FILTER (WHERE status NOT IN ('succeeded','failed','timeout','canceled','abandoned'))::int AS open
         FROM execution`,
    );
    const { total, open } = rows[0];
    last = `${total}/${expected} executions, ${open} not finished`;
    if (total >= expected && open === 0) {
      log(`drained: ${last}`);
      return true;
    }
    await sleep(1000);
  }
  log(`not drained after ${CONFIG.drainSeconds} s: ${last}`);
  return false;
}

function print({ report, dlq, drained, gaveUp, deaths, restarts }) {
  const succeeded = report.statuses.succeeded ?? 0;
  const lines = [
    `accepted ${report.accepted} webhooks (${gaveUp} never accepted), stored ${report.stored} events ` +
      `(+${report.eventsNotAnswered} whose 202 was lost and the sender sent again)`,
    `executions ${report.executions} of ${report.accepted * RULES.length} expected: ` +
      Object.entries(report.statuses)
        .map(([status, n]) => `${n} ${status}`)
        .join(', ') +
      ` (${report.retriedAttempts} retried after their worker was lost)`,
    `lost ${report.lost.length}, duplicated ${report.duplicated.length}, stuck ${report.stuck.length}, ` +
      `processes died by themselves ${deaths.length} (${restarts} starts in all)`,
    `dead-letter queues: ${Object.keys(dlq).length === 0 ? 'empty' : ''}`,
    ...Object.entries(dlq).map(([what, n]) => `  ${n} × ${what}`),
  ];
  for (const line of lines) log(line);
  for (const list of [report.lost, report.duplicated, report.stuck]) {
    for (const item of list.slice(0, 10)) log(`  ${item}`);
  }
  for (const death of deaths)
    log(`died: ${death.name} (code ${death.code}, ${death.signal})\n${death.tail}`);
  const ok =
    drained &&
    report.lost.length === 0 &&
    report.duplicated.length === 0 &&
    report.stuck.length === 0 &&
    succeeded === report.accepted * RULES.length &&
    deaths.length === 0;
  log(
    ok
      ? 'PASS: nothing lost, duplicated or stuck; every execution succeeded; no process died by itself'
      : 'FAIL',
  );
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`chaos: ${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
