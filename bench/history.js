'use strict';
// `npm run bench -- --history`: Attune all-in-one on an empty database and on one holding
// BENCH_HISTORY_ROWS (5,000,000) finished executions with their events and enforcements, in the
// same run: the peak (closed loop) and a fixed rate (half the empty peak) on each, list endpoint
// latencies sampled during the fixed-rate run (first page, a cursor page deep in the history, a
// filtered page), then a prune pass of a fifth of the history (`attune prune`) while a closed
// loop runs, with its throughput against the same loop without the pass.

const path = require('node:path');
const { Client } = require('pg');
const { performance } = require('node:perf_hooks');
const { setTimeout: sleep } = require('node:timers/promises');
const { TOPOLOGIES } = require('./attune-phase');
const { drive, readLatencies } = require('./attune-watch');
const { startDeployment, TRIGGER } = require('./deployment');
const { closedLoop, fixedRate } = require('./load-shapes');
const { spawnNode, ROOT } = require('./processes');
const { summarize, round } = require('./stats');

/** History spans this many days, its newest row a day old; the prune takes the oldest fifth. */
const SPAN_DAYS = 50;
const PRUNE_OLDER_THAN_DAYS = 1 + SPAN_DAYS * 0.8;
const FILL_BATCH = 1_000_000;
/** How often the autovacuum stand-in looks at the tables during the prune run. */
const AUTOVACUUM_NAP_MS = 10_000;
/** Settings of the history runs: no retention pass of its own during the run. */
const HISTORY_APP_ENV = { RETENTION_DAYS: '0', AUDIT_RETENTION_DAYS: '0' };

/**
 * Fills the history: `rows` finished executions (2% failed) of 10 actions, each with the event
 * and enforcement a rule firing leaves, spread over SPAN_DAYS ending a day ago; generated in
 * PostgreSQL (generate_series), in batches so that each statement's transaction stays bounded.
 */
async function fillHistory(db, rows, label) {
  const at = `now() - interval '1 day' - make_interval(secs => (${rows} - g) * ${(SPAN_DAYS * 86_400) / rows})`;
  // Ids as Attune makes them for these rows: time-ordered (UUID v7 layout), the rest from md5.
  const id = (seed) =>
    `(lpad(to_hex((extract(epoch FROM ${at}) * 1000)::bigint), 12, '0') || '7' ||
      substr(md5('${seed}' || g), 14, 19))::uuid`;
  const started = performance.now();
  for (let from = 1; from <= rows; from += FILL_BATCH) {
    const to = Math.min(rows, from + FILL_BATCH - 1);
    const series = `generate_series(${from}, ${to}) g`;
    await db.query(
      `INSERT INTO event (id, trigger_ref, payload, source, correlation_id, created_at)
       SELECT ${id('ev')}, 'hist.trigger_' || (g % 10), '{"seq": 1}', 'webhook',
              md5('co' || g)::uuid, ${at} FROM ${series}`,
    );
    await db.query(
      `INSERT INTO enforcement (id, event_id, rule_ref, trigger_ref, action_ref, status,
                                correlation_id, created_at)
       SELECT ${id('en')}, ${id('ev')}, 'hist.rule_' || (g % 10),
              'hist.trigger_' || (g % 10), 'hist.action_' || (g % 10), 'created',
              md5('co' || g)::uuid, ${at} FROM ${series}`,
    );
    await db.query(
      `INSERT INTO execution (id, action_ref, status, parameters, result, correlation_id,
                              enforcement_id, created_by, created_at, scheduled_at, started_at,
                              finished_at, updated_at)
       SELECT ${id('ex')}, 'hist.action_' || (g % 10),
              CASE WHEN g % 50 = 0 THEN 'failed' ELSE 'succeeded' END, '{"seq": 1}',
              '{"ok": true}', md5('co' || g)::uuid, ${id('en')},
              'rule:hist.rule_' || (g % 10), ${at}, ${at}, ${at},
              ${at} + interval '10 milliseconds', ${at} FROM ${series}`,
    );
    process.stderr.write(`  [${label}] history: ${to} of ${rows} executions\n`);
  }
  // What autovacuum would have done by then (it is off on these machines): visibility map
  // and statistics.
  await db.query('VACUUM (ANALYZE) event, enforcement, execution');
  // A history built over months was written out long ago: without this the runs below share
  // the disk with the writeback of gigabytes the fill has just dirtied, and with the checkpoints
  // it requested (seen: a third of the peak gone, on the history side only).
  await db.query('CHECKPOINT');
  return Math.round((performance.now() - started) / 1000);
}

/**
 * What PostgreSQL did during one run, to tell the causes of a slowdown apart: checkpoints, blocks
 * read from outside shared buffers, and how many updates of executions were HOT (no index entry
 * written). Counters are flushed by each backend at most once a second, so these are close, not
 * exact.
 */
async function readDbWork(db) {
  const { rows } = await db.query(
    `SELECT (SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter)::float8 AS checkpoints,
            (SELECT buffers_backend FROM pg_stat_bgwriter)::float8 AS backend_writes,
            blks_read::float8 AS blocks_read, blks_hit::float8 AS blocks_hit,
            (SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'execution')::float8 AS updates,
            (SELECT n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'execution')::float8
              AS hot_updates
       FROM pg_stat_database WHERE datname = current_database()`,
  );
  return rows[0];
}

function dbWorkBetween(before, after, executions) {
  const delta = (key) => after[key] - before[key];
  const updates = delta('updates');
  return {
    checkpoints: delta('checkpoints'),
    backend_writes: delta('backend_writes'),
    blocks_read_per_execution: round(delta('blocks_read') / Math.max(1, executions), 2),
    blocks_hit_per_execution: round(delta('blocks_hit') / Math.max(1, executions), 1),
    hot_update_share: updates > 0 ? round(delta('hot_updates') / updates, 3) : null,
  };
}

/**
 * GETs `paths` one after another in a loop from when `started` resolves until `until()` holds;
 * latencies per name, and the slowest three with when they came (seconds into the sampling).
 * Requests made while `inLeadIn()` holds are reported apart (count and slowest): the first list
 * requests after the run's VACUUM (ANALYZE) plan with statistics each connection reloads.
 */
async function sampleLists(http, paths, { started, inLeadIn, until }) {
  // Not during the VACUUM (ANALYZE) each run begins with.
  await started;
  const from = performance.now();
  /** @type {Record<string, Array<{ at: number, ms: number, leadIn: boolean }>>} */
  const samples = Object.fromEntries(Object.keys(paths).map((name) => [name, []]));
  while (!until()) {
    for (const [name, listPath] of Object.entries(paths)) {
      const leadIn = inLeadIn();
      const requested = performance.now();
      const response = await http.request('GET', listPath);
      if (response.status !== 200) {
        throw new Error(`GET ${listPath} answered ${response.status}`);
      }
      const ms = performance.now() - requested;
      samples[name].push({ at: round((requested - from) / 1000, 1), ms: round(ms, 1), leadIn });
    }
  }
  const slowest = (list) =>
    [...list]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 3)
      .map(({ at, ms }) => ({ at, ms }));
  return Object.fromEntries(
    Object.entries(samples).map(([name, all]) => {
      const measured = all.filter((sample) => !sample.leadIn);
      const leadIn = all.filter((sample) => sample.leadIn);
      return [
        name,
        {
          ...summarize(measured.map((sample) => sample.ms)),
          slowest: slowest(measured),
          lead_in: { count: leadIn.length, slowest: slowest(leadIn) },
        },
      ];
    }),
  );
}

/**
 * @param {import('./config').BenchConfig} config
 * @param {{ phase: Function, common: any, appEnv: Record<string, string> }} context
 */
async function historyRuns(config, { phase, common, appEnv }) {
  const variants = [
    { name: 'empty', rows: 0 },
    { name: 'history', rows: config.historyRows },
  ];
  const results = [];
  let rate;
  for (const variant of variants) {
    const result = await phase(`all-in-one, ${variant.name} (${variant.rows} rows)`, () =>
      runVariant(config, { ...common, appEnv: { ...appEnv, ...HISTORY_APP_ENV } }, variant, rate),
    );
    if (!result) break;
    rate ??= Math.max(1, Math.round(result.peak.per_second / 2));
    results.push(result);
  }
  return results;
}

async function runVariant(config, common, variant, fixedRateOrUndefined) {
  const label = `history-${variant.name}`;
  const deployment = await startDeployment(config, {
    label,
    topology: TOPOLOGIES.allinone,
    appEnv: common.appEnv,
    logDir: common.logDir,
    cleanup: common.cleanup,
    rss: common.rss,
    rule: { action: 'core.noop' },
    httpSockets: config.concurrency + 1,
  });
  const { db, http, children, database, prefix } = deployment;
  try {
    const fillSeconds = variant.rows > 0 ? await fillHistory(db, variant.rows, label) : 0;
    const webhook = (tag) => async (i) => {
      const response = await http.request('POST', `/api/v1/webhooks/${TRIGGER}`, {
        seq: i,
        ...(tag ? { warmup: tag } : {}),
      });
      // An open-ended closed loop fills the backlog to MAX_BACKLOG: back off as a client would.
      if (response.status === 429) {
        await sleep(100);
        return webhook(tag)(i);
      }
      if (response.status !== 202) throw new Error(`webhook answered ${response.status}`);
    };
    /** One measured run from now on: its rows are those created from `since`. */
    const measure = async (name, count, shape) => {
      // Autovacuum is off on the PostgreSQL these machines run: each run starts from what it
      // would have left (no dead rows of the run before, fresh statistics), on both variants.
      await db.query('VACUUM (ANALYZE) event, enforcement, execution');
      const since = new Date();
      const before = await readDbWork(db);
      const state = { sent: 0, succeeded: 0, polls: 0, failure: undefined };
      const watch = { db, children, stallMs: config.stallMs, state, since };
      await drive(`${label} ${name}`, count, watch, () => shape(state));
      const after = await readDbWork(db);
      const latencies = await readLatencies(db, since);
      return { since, ...latencies, db: dbWorkBetween(before, after, latencies.count) };
    };

    await measure('warm-up', config.warmup, (state) =>
      closedLoop({
        count: config.warmup,
        concurrency: config.concurrency,
        send: webhook('true'),
        onSent: () => state.sent++,
      }),
    );
    const peak = await measure('peak', config.n, (state) =>
      closedLoop({
        count: config.n,
        concurrency: config.concurrency,
        send: webhook(),
        onSent: () => state.sent++,
      }),
    );
    const rate = fixedRateOrUndefined ?? Math.max(1, Math.round(peak.perSecond / 2));

    // Lists while the fixed-rate load runs. The deep page: a cursor 80% of the way down.
    const { rows: counted } = await db.query('SELECT count(*)::int AS n FROM execution');
    const depth = Math.floor(counted[0].n * 0.8);
    const deep = await http.request('GET', `/api/v1/executions?limit=1&offset=${depth}`);
    const deepCursor = deep.body.next_cursor;
    const deepAction = deep.body.items[0].action;
    const paths = {
      'first page': '/api/v1/executions?limit=50',
      [`cursor page at row ${depth}`]: `/api/v1/executions?limit=50&cursor=${deepCursor}`,
      'filtered first page (status=failed)': '/api/v1/executions?status=failed&limit=50',
      [`filtered cursor page (action=${deepAction})`]: `/api/v1/executions?action=${deepAction}&limit=50&cursor=${deepCursor}`,
    };
    // As every fixed-rate run of the bench: the first BENCH_LEAD_IN_SECONDS are a lead-in,
    // reported apart (load starting after a pause is slower for a second or two); so are the
    // list requests made meanwhile.
    const leadIn = rate * config.leadInSeconds;
    const leadInSend = webhook('lead-in');
    const measuredSend = webhook();
    let loadDone = false;
    let steady = false;
    /** @type {() => void} */
    let loadStarts = () => {};
    const loadStarted = new Promise((resolve) => (loadStarts = resolve));
    const [atRate, lists] = await Promise.all([
      measure(`@ ${rate}/s`, leadIn + rate * config.rateSeconds, (state) => {
        loadStarts();
        return fixedRate({
          count: leadIn + rate * config.rateSeconds,
          rate,
          send: (i) => {
            if (i < leadIn) return leadInSend(i);
            steady = true;
            return measuredSend(i);
          },
          onSent: () => state.sent++,
        });
      }).finally(() => {
        loadDone = true;
        loadStarts();
      }),
      sampleLists(http, paths, {
        started: loadStarted,
        inLeadIn: () => !steady,
        until: () => loadDone,
      }),
    ]);

    const prune =
      variant.rows > 0
        ? await pruneUnderLoad(config, {
            db,
            database,
            prefix,
            label,
            webhook,
            measure,
            logDir: common.logDir,
          })
        : undefined;

    const brief = (run) => ({
      executions: run.count,
      per_second: run.perSecond,
      latency: summarize(run.total),
      ...(run.leadIn.length > 0 ? { lead_in_latency: summarize(run.leadIn) } : {}),
      stages: run.stages,
      db: run.db,
    });
    return {
      kind: 'history',
      variant: variant.name,
      history_rows: variant.rows,
      fill_seconds: fillSeconds,
      peak: brief(peak),
      fixed_rate: { offered_rate: rate, ...brief(atRate) },
      list_latency_ms: lists,
      prune,
    };
  } finally {
    await deployment.close();
  }
}

/**
 * An open-ended closed loop (backing off on 429) from when the run's VACUUM is done until what
 * `begin()` starts ends; what it ended with, and the executions that finished meanwhile per
 * second (from the rows' finished_at).
 */
async function closedLoopUntil(config, { db, webhook, measure }, name, begin) {
  /** @type {{ from?: Date, to?: Date, value?: any }} */
  const window = {};
  let loading = true;
  await measure(name, Infinity, async (state) => {
    window.from = new Date();
    const ending = begin().finally(() => {
      loading = false;
      window.to = new Date();
    });
    await closedLoop({
      count: Infinity,
      concurrency: config.concurrency,
      send: async (i) => {
        if (!loading) throw new StopLoad();
        await webhook()(i);
      },
      onSent: () => state.sent++,
    }).catch((error) => {
      if (!(error instanceof StopLoad)) throw error;
    });
    window.value = await ending;
    // The watcher waits for an open-ended count: this ends it.
    state.failure ??= new StopLoad();
  }).catch((error) => {
    if (!(error instanceof StopLoad)) throw error;
  });
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM execution
      WHERE created_at >= $1 AND finished_at BETWEEN $1 AND $2 AND status = 'succeeded'`,
    [window.from, window.to],
  );
  const seconds = (Number(window.to) - Number(window.from)) / 1000;
  return {
    seconds: round(seconds, 1),
    finished: rows[0].n,
    per_second: round(rows[0].n / seconds, 1),
    value: window.value,
  };
}

/**
 * The same closed loop twice: for BENCH_PRUNE_BASELINE_SECONDS without a pass (the baseline:
 * the same load on the same database, minutes long as the pass is, not a ten-second peak), then
 * for as long as `attune prune --older-than` runs (one pass of the executors' pruner, as a
 * separate process), with autovacuum's part done by the stand-in.
 */
async function pruneUnderLoad(config, context) {
  const { db, database, prefix, label, logDir } = context;
  const without = await closedLoopUntil(config, context, 'without prune', () =>
    sleep(config.pruneBaselineSeconds * 1000),
  );
  const during = await closedLoopUntil(config, context, 'during prune', async () => {
    const cli = spawnNode({
      name: `${label}/prune`,
      args: [
        path.join(ROOT, 'bin', 'attune.js'),
        'prune',
        '--older-than',
        `${PRUNE_OLDER_THAN_DAYS}d`,
      ],
      env: {
        DATABASE_URL: database.url,
        AMQP_URL: config.amqpUrl,
        MQ_PREFIX: prefix,
        LOG_LEVEL: 'warn',
      },
      logFile: path.join(logDir, `${label}-prune.log`),
    });
    let output = '';
    cli.proc.stdout.on('data', (chunk) => (output += chunk));
    let pruning = true;
    let vacuumPid;
    const vacuums = autovacuumStandIn(
      database.url,
      () => pruning,
      (pid) => (vacuumPid = pid),
    );
    const exit = await cli.exit;
    pruning = false;
    if (vacuumPid) await db.query('SELECT pg_cancel_backend($1)', [vacuumPid]);
    const autovacuum = await vacuums;
    if (exit.code !== 0) throw new Error(`attune prune exited ${exit.code}:\n${cli.tail()}`);
    return { output, autovacuum };
  });
  const deleted = Object.fromEntries(
    [...during.value.output.matchAll(/^(\w+)\tdeleted (\d+)$/gm)].map((m) => [m[1], Number(m[2])]),
  );
  return {
    seconds: during.seconds,
    deleted,
    finished_during: during.finished,
    per_second_during: during.per_second,
    without: {
      seconds: without.seconds,
      finished: without.finished,
      per_second: without.per_second,
    },
    autovacuum: during.value.autovacuum,
  };
}

/**
 * What autovacuum would do, on its defaults, for as long as `running()` holds (it is off on the
 * PostgreSQL these machines run, and on by default for users): every AUTOVACUUM_NAP_MS, VACUUM
 * (ANALYZE) each history table with more dead rows than 50 + 20% of its rows, throttled as
 * autovacuum is (2 ms rest per 200 cost units). On its own connection: a VACUUM takes minutes.
 */
async function autovacuumStandIn(databaseUrl, running, onPid) {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  onPid((await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
  /** @type {Array<{ table: string, at_s: number, dead_rows: number, seconds: number }>} */
  const passes = [];
  const started = performance.now();
  try {
    await client.query(`SET vacuum_cost_delay = '2ms'`);
    await client.query('SET vacuum_cost_limit = 200');
    while (running()) {
      const { rows } = await client.query(
        `SELECT s.relname AS table, n_dead_tup::float8 AS dead
           FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
          WHERE s.relname IN ('event', 'enforcement', 'execution')
            AND n_dead_tup > 50 + 0.2 * greatest(c.reltuples, 0)`,
      );
      for (const { table, dead } of rows) {
        if (!running()) break;
        const at = performance.now();
        // Ended by pg_cancel_backend once the prune has (the run is over; autovacuum would go on).
        const ended = await client.query(`VACUUM (ANALYZE) ${table}`).then(
          () => false,
          (error) => {
            if (running()) throw error;
            return true;
          },
        );
        passes.push({
          table,
          at_s: round((at - started) / 1000, 0),
          dead_rows: dead,
          seconds: round((performance.now() - at) / 1000, 1),
          ...(ended ? { cut_short: true } : {}),
        });
        if (ended) break;
      }
      const napEnds = performance.now() + AUTOVACUUM_NAP_MS;
      while (running() && performance.now() < napEnds) await sleep(500);
    }
  } catch (error) {
    // The cancel at the end may meet another of its statements.
    if (running()) throw error;
  } finally {
    await client.end().catch(() => {});
  }
  return passes;
}

/** Ends the open-ended closed loop of the prune run. */
class StopLoad extends Error {}

/** The figures and checks of the history runs, as printed. */
function formatHistory(results) {
  const [empty, history] = [
    results.find((r) => r.variant === 'empty'),
    results.find((r) => r.variant === 'history'),
  ];
  const lines = ['History: all-in-one on an empty database and on a long history, same run'];
  for (const result of results) {
    lines.push(
      `  ${result.variant} (${result.history_rows} rows, filled in ${result.fill_seconds} s): ` +
        `peak ${result.peak.per_second}/s (p99 ${result.peak.latency.p99} ms); ` +
        `@ ${result.fixed_rate.offered_rate}/s: ${result.fixed_rate.per_second}/s ` +
        `(p50 ${result.fixed_rate.latency.p50}, p99 ${result.fixed_rate.latency.p99} ms)`,
    );
    for (const [name, run] of [
      ['peak', result.peak],
      ['fixed rate', result.fixed_rate],
    ]) {
      lines.push(`    PostgreSQL during the ${name}: ${JSON.stringify(run.db)}`);
    }
    for (const [name, latency] of Object.entries(result.list_latency_ms)) {
      lines.push(
        `    GET ${name}: p50 ${latency.p50} ms, p99 ${latency.p99} ms (${latency.count} requests; ` +
          `slowest ${slowestText(latency.slowest)}; in the lead-in ${latency.lead_in.count}, ` +
          `slowest ${slowestText(latency.lead_in.slowest)})`,
      );
    }
    if (result.prune) {
      lines.push(
        `    prune pass: ${JSON.stringify(result.prune.deleted)} in ${result.prune.seconds} s; ` +
          `${result.prune.per_second_during}/s finished meanwhile, ` +
          `${result.prune.without.per_second}/s in the ${result.prune.without.seconds} s before ` +
          `without it; autovacuum (stand-in): ` +
          `${result.prune.autovacuum.map((v) => `${v.table} at ${v.at_s} s for ${v.seconds} s`).join(', ') || 'none'}`,
      );
    }
  }
  const checks = historyChecks(empty, history);
  lines.push('  Checks');
  for (const check of checks) {
    lines.push(`    ${check.pass ? 'PASS' : 'FAIL'}  ${check.name}: ${check.value}`);
  }
  return lines.join('\n');
}

/** @param {Array<{ ms: number, at: number }>} list */
function slowestText(list) {
  return list.map((s) => `${s.ms} ms at ${s.at} s`).join(', ') || 'none';
}

function historyChecks(empty, history) {
  if (!empty || !history) return [];
  const throughput = history.peak.per_second / empty.peak.per_second;
  const checks = [
    {
      name: 'peak with history ≥ 90% of the empty database',
      value: `${round(throughput * 100, 1)}%`,
      pass: throughput >= 0.9,
    },
    ...Object.entries(history.list_latency_ms).map(([name, latency]) => ({
      name: `GET ${name} p99 < 50 ms`,
      value: `${latency.p99} ms`,
      pass: latency.p99 < 50,
    })),
  ];
  if (history.prune) {
    const { per_second_during: during, without } = history.prune;
    const ratio = during / without.per_second;
    checks.push({
      name: 'throughput of a closed loop during a prune pass ≥ 80% of the same loop without it',
      value:
        `${round(ratio * 100, 1)}% (${history.prune.deleted.execution ?? 0} executions pruned; ` +
        `${round((during / history.peak.per_second) * 100, 1)}% of the peak)`,
      pass: ratio >= 0.8,
    });
  }
  return checks;
}

module.exports = { historyRuns, formatHistory, historyChecks };
