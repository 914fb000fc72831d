'use strict';
// One Attune run: fresh database and MQ prefix, the processes of a topology, a trigger and a
// rule running core.noop, then webhooks (closed loop or fixed rate) until every execution
// succeeded (attune-watch.js polls and reads the latencies from the rows).

const { readdirSync } = require('node:fs');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { setTimeout: sleep } = require('node:timers/promises');
const { drive, readLatencies } = require('./attune-watch');
const { startDeployment, TRIGGER } = require('./deployment');
const { closedLoop, fixedRate } = require('./load-shapes');
const { readPgActivity, perExecution } = require('./pg-activity');
const { startCpuWindow } = require('./proc-stats');
const { startEventLoopWindow } = require('./event-loop');
const { summarize } = require('./stats');

/** An idle backend flushes its statistics within 10 s (PostgreSQL's PGSTAT_IDLE_INTERVAL). */
const PG_STATS_SETTLE_MS = 11_000;

/** @typedef {{ name: string, roles: string, env?: Record<string, string>, embedded?: boolean }} ProcessSpec */

/** Messages through PostgreSQL instead of RabbitMQ (MQ_TRANSPORT=postgres). */
const ON_POSTGRES = { MQ_TRANSPORT: 'postgres' };

const TOPOLOGIES = {
  /** @type {ProcessSpec[]} */
  allinone: [{ name: 'all-in-one', roles: 'all' }],
  /** @type {ProcessSpec[]} */
  split: [
    { name: 'api', roles: 'api' },
    { name: 'executor', roles: 'executor' },
    { name: 'worker-1', roles: 'worker' },
    { name: 'worker-2', roles: 'worker' },
  ],
  /** Several executor replicas sharing the work, and two workers. @type {ProcessSpec[]} */
  replicas: [
    { name: 'api', roles: 'api' },
    { name: 'executor-1', roles: 'executor' },
    { name: 'executor-2', roles: 'executor' },
    { name: 'executor-3', roles: 'executor' },
    { name: 'worker-1', roles: 'worker' },
    { name: 'worker-2', roles: 'worker' },
  ],
  /** @type {ProcessSpec[]} */
  pgAllinone: [{ name: 'all-in-one', roles: 'all', env: ON_POSTGRES }],
  /** @type {ProcessSpec[]} */
  /** Nothing configured: its own PostgreSQL, which carries the messages too. @type {ProcessSpec[]} */
  embedded: [
    { name: 'all-in-one', roles: 'all', env: { MQ_TRANSPORT: '', AMQP_URL: '' }, embedded: true },
  ],
  /** @type {ProcessSpec[]} */
  pgSplit: [
    { name: 'api', roles: 'api', env: ON_POSTGRES },
    { name: 'executor', roles: 'executor', env: ON_POSTGRES },
    { name: 'worker-1', roles: 'worker', env: ON_POSTGRES },
    { name: 'worker-2', roles: 'worker', env: ON_POSTGRES },
  ],
};

/** Microseconds on CLOCK_MONOTONIC, the clock of the timestamps in a .cpuprofile. */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/**
 * @param {import('./config').BenchConfig} config
 * @param {{ label: string, topology: ProcessSpec[], n: number, rate: number | null,
 *           leadIn?: number, profileDir?: string, appEnv: Record<string, string>, logDir: string,
 *           cleanup: import('./infra').Cleanup, rss: import('./proc-stats').PeakRss }} run
 */
async function runAttunePhase(config, run) {
  const { label, topology, n, rate, logDir, cleanup, rss } = run;
  // Fixed rate: the first `leadIn` webhooks of the stream are the lead-in, reported apart.
  const leadIn = rate === null ? 0 : (run.leadIn ?? 0);
  const deployment = await startDeployment(config, {
    label,
    topology,
    appEnv: run.appEnv,
    logDir,
    cleanup,
    rss,
    profileDir: run.profileDir,
    rule: { action: 'core.noop' },
    httpSockets: config.concurrency,
  });
  const { database, children, http, db } = deployment;
  try {
    const state = { sent: 0, succeeded: 0, polls: 0, failure: /** @type {unknown} */ (undefined) };
    const watch = { db, children, stallMs: config.stallMs, state };
    /** @param {{ warmup?: true | 'lead-in', accepted?: number[] }} opts */
    const webhook = (opts) => async (/** @type {number} */ i) => {
      const startedAt = performance.now();
      const response = await /** @type {HttpClient} */ (http).request(
        'POST',
        `/api/v1/webhooks/${TRIGGER}`,
        opts.warmup ? { seq: i, warmup: opts.warmup } : { seq: i },
      );
      if (response.status !== 202) {
        throw new Error(`webhook answered ${response.status}: ${JSON.stringify(response.body)}`);
      }
      opts.accepted?.push(performance.now() - startedAt);
    };

    if (config.warmup > 0) {
      await drive(`${label} warm-up`, config.warmup, watch, () =>
        closedLoop({
          count: config.warmup,
          concurrency: config.concurrency,
          send: webhook({ warmup: true }),
          onSent: () => state.sent++,
        }),
      );
    }

    /** @type {number[]} */
    const accepted = [];
    // Let the warm-up's counters reach pg_stat_database before the "before" reading.
    process.stderr.write(
      `  [${label}] ${PG_STATS_SETTLE_MS / 1000} s pause for PostgreSQL statistics\n`,
    );
    await sleep(PG_STATS_SETTLE_MS);
    const pgBefore = await readPgActivity(database.url);
    const pollsBefore = state.polls;
    const cpuWindow = startCpuWindow(
      Object.fromEntries(children.map((child) => [child.name, child.pid])),
      [database.name],
    );
    const loopWindow = await startEventLoopWindow(children);
    const profileWindow = { fromUs: monotonicUs(), toUs: 0 };
    const wallStart = performance.now();
    const measuredSend = webhook({ accepted });
    const leadInSend = webhook({ warmup: 'lead-in' });
    const send = (/** @type {number} */ i) => (i < leadIn ? leadInSend(i) : measuredSend(i));
    // CPU and PostgreSQL figures cover the lead-in too: per execution they count both.
    const inWindow = leadIn + n;
    const senderInfo = await drive(label, inWindow, watch, () =>
      rate === null
        ? closedLoop({
            count: n,
            concurrency: config.concurrency,
            send,
            onSent: () => state.sent++,
          })
        : fixedRate({ count: inWindow, rate, send, onSent: () => state.sent++ }),
    );
    const wallMs = performance.now() - wallStart;
    profileWindow.toUs = monotonicUs();
    const cpu = cpuWindow.end();
    const eventLoop = await loopWindow.end();

    const measured = await readLatencies(db);
    const ownQueries = state.polls - pollsBefore + 2; // the polls, the latency query, one read
    rss.sample();
    await db.end().catch(() => {});
    // After the processes exited, so their backends have flushed their counters; an embedded
    // PostgreSQL stops with its process, so it is read before.
    const embedded = topology.some((spec) => spec.embedded);
    const pgAfter = embedded ? await readPgActivity(database.url) : undefined;
    await Promise.all(children.map((child) => child.stop()));
    const pgWork = perExecution(
      pgBefore,
      pgAfter ?? (await readPgActivity(database.url)),
      inWindow,
      ownQueries,
    );
    const profiles = run.profileDir ? findProfiles(run.profileDir, children) : [];

    return {
      run: label,
      kind: 'attune',
      offered_rate: rate,
      processes: children.length,
      executions: measured.count,
      executions_in_cpu_window: inWindow,
      ...(leadIn > 0
        ? { lead_in: { executions: leadIn, latency: summarize(measured.leadIn) } }
        : {}),
      per_second: measured.perSecond,
      elapsed_ms: measured.elapsedMs,
      client_wall_ms: Math.round(wallMs),
      client_per_second: Math.round((inWindow / wallMs) * 1000 * 10) / 10,
      latency: summarize(measured.total),
      stages: measured.stages,
      postgresql_per_execution: pgWork,
      webhook_accept: summarize(accepted),
      latencies_ms: measured.total.map((value) => Math.round(value * 100) / 100),
      sender: senderInfo ?? {},
      cpu,
      event_loop_delay_ms: eventLoop,
      rss_mib: Object.fromEntries(
        Object.entries(rss.result()).filter(([name]) => name.startsWith(`${label}/`)),
      ),
      // LOG_LEVEL=warn: every line a process printed is a warning or an error.
      log_lines: Object.fromEntries(
        children.map((child) => [
          child.name,
          { count: child.lineCount, first: child.firstLines.slice(0, 3) },
        ]),
      ),
      profiles: profiles.map((file) => ({ file, window: profileWindow })),
    };
  } finally {
    await deployment.close();
  }
}

/** The .cpuprofile files that Node wrote at exit for these processes. */
function findProfiles(dir, children) {
  const pids = new Set(children.map((child) => String(child.pid)));
  return readdirSync(dir)
    .filter((file) => file.endsWith('.cpuprofile') && pids.has(file.split('.')[3]))
    .map((file) => path.join(dir, file));
}

module.exports = { runAttunePhase, TOPOLOGIES };
