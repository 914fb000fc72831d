'use strict';
// `npm run bench`: Attune end to end (all roles in one process, then split over processes)
// against a raw amqplib + pg baseline, in the same run; then the same at a fixed rate of half
// Attune's peak. Prints one table (stdout), progress on stderr, and writes JSON + a PNG chart
// under bench/results/. Settings: see config.js (BENCH_N, BENCH_ONLY, BENCH_PROFILE, ...).

const { existsSync, mkdirSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const amqp = require('amqplib');
const { Client } = require('pg');
const { readConfig, ConfigError } = require('./config');
const { runAttunePhase, TOPOLOGIES } = require('./attune-phase');
const { runHopPhase } = require('./hop');
const { runWorkflowPhase } = require('./workflow');
const { runBaselinePhase } = require('./baseline-phase');
const { writeLatencyChart } = require('./chart');
const { Cleanup } = require('./infra');
const { killAll, ROOT } = require('./processes');
const { PeakRss, waitForQuiet } = require('./proc-stats');
const { summarizeProfile, formatProfileSummary } = require('./profile-summary');
const { announce } = require('./progress');
const { formatReport, writeJson, checks, tableRows, pooledFixedRate } = require('./report');
const { runSustained, formatSustained, sustainedChecks } = require('./sustained');
const { historyRuns, formatHistory, historyChecks } = require('./history');

const RESULTS = path.join(__dirname, 'results');
/** Databases and queues to remove whatever happens. */
const cleanup = new Cleanup();
let interrupted = false;

/** A problem with the environment, said in one message (no stack trace). */
class SetupError extends Error {}

/** BENCH_APP_MQ_PREFETCH=100 → MQ_PREFETCH=100 for every Attune process. */
function appEnvFrom(env) {
  return Object.fromEntries(
    Object.entries(env)
      .filter(([name, value]) => name.startsWith('BENCH_APP_') && value !== undefined)
      .map(([name, value]) => [name.slice('BENCH_APP_'.length), /** @type {string} */ (value)]),
  );
}

/** Fails fast, with the fix, when a service is down or the app is not built. */
async function preflight(config, needsAttune) {
  const versions = {};
  const pg = new Client({ connectionString: config.pgAdminUrl });
  try {
    await pg.connect();
    versions.postgresql = (await pg.query('SHOW server_version')).rows[0].server_version;
  } catch (error) {
    throw new SetupError(
      `PostgreSQL is not reachable at ${config.pgAdminUrl} (${error.message}).\n` +
        `Start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`,
      { cause: error },
    );
  } finally {
    await pg.end().catch(() => {});
  }
  try {
    const connection = await amqp.connect(config.amqpUrl, { noDelay: true });
    versions.rabbitmq = String(connection.connection.serverProperties?.version ?? '?');
    await connection.close();
  } catch (error) {
    throw new SetupError(
      `RabbitMQ is not reachable at ${config.amqpUrl} (${error.message}).\n` +
        `Start it: rabbitmq-server -detached`,
      { cause: error },
    );
  }
  if (needsAttune && !existsSync(path.join(ROOT, 'dist', 'main.js'))) {
    throw new SetupError(
      'dist/main.js is missing: run `npm run build` (npm run bench does it for you)',
    );
  }
  return versions;
}

async function main() {
  const config = readConfig();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const logDir = path.join(RESULTS, 'logs', stamp);
  const profileDir = path.join(RESULTS, 'profiles');
  mkdirSync(logDir, { recursive: true });
  const appEnv = appEnvFrom(process.env);
  const wantsAttune = ['allinone', 'split', 'rate'].some((phase) => config.only.has(phase));

  const rss = new PeakRss();
  const stopEverything = async (why, code) => {
    interrupted = true;
    process.stderr.write(`\nbench: ${why}; stopping processes and cleaning up…\n`);
    await killAll();
    await cleanup.runAll();
    process.exit(code);
  };
  process.once('SIGINT', () => void stopEverything('interrupted', 130));
  process.once('SIGTERM', () => void stopEverything('terminated', 143));

  const versions = await preflight(config, wantsAttune);

  /** @type {any[]} */
  const results = [];
  /** @type {string[]} */
  const errors = [];
  const common = { logDir, cleanup, rss };
  /** Runs one phase; a failure is reported and the other phases still run. */
  const phase = async (title, fn) => {
    if (interrupted) return undefined;
    announce(title);
    try {
      const busyBefore = await waitForQuiet(config.quietWaitSeconds);
      const result = await fn();
      results.push({ title, machine_busy_before_percent: busyBefore, ...result });
      return result;
    } catch (error) {
      if (interrupted) return undefined;
      errors.push(`${title}: ${error.message}`);
      process.stderr.write(`bench: ${title} failed: ${error.message}\n`);
      return undefined;
    }
  };
  const attune = (label, topology, n, rate, profile = false, leadIn = 0) =>
    runAttunePhase(config, {
      ...common,
      label,
      topology,
      n,
      rate,
      leadIn,
      appEnv,
      profileDir: profile ? profileDir : undefined,
    });

  if (config.soakSeconds > 0 || config.burst) {
    return sustainedRuns(config, { phase, attune, common, appEnv, stamp, errors });
  }
  if (config.history) {
    const history = await historyRuns(config, { phase, common, appEnv });
    rss.close();
    if (interrupted) return 130;
    const file = path.join(RESULTS, `history-${stamp}.json`);
    writeJson(file, path.join(RESULTS, 'latest-history.json'), {
      started_at: stamp,
      config: { ...config, only: [...config.only], app_env: appEnv },
      results: history,
      checks: historyChecks(
        history.find((r) => r.variant === 'empty'),
        history.find((r) => r.variant === 'history'),
      ),
      errors,
    });
    process.stdout.write(
      `\n${formatHistory(history)}\n\n  results: ${path.relative(process.cwd(), file)}\n`,
    );
    if (errors.length > 0) {
      process.stdout.write(`\nErrors\n${errors.map((error) => `  ${error}`).join('\n')}\n`);
      return 1;
    }
    return 0;
  }

  if (config.only.has('baseline')) {
    await phase('baseline', () =>
      runBaselinePhase(config, { ...common, label: 'baseline', rate: null, n: config.n }),
    );
  }
  let peak;
  if (config.only.has('allinone') || (config.only.has('rate') && config.rate === null)) {
    peak = await phase('attune all-in-one', () =>
      attune('allinone', TOPOLOGIES.allinone, config.n, null, config.profile),
    );
  }
  if (config.only.has('split')) {
    await phase('attune split', () => attune('split', TOPOLOGIES.split, config.n, null));
  }
  let pgPeak;
  if (config.only.has('pg-allinone') || config.only.has('pg-rate')) {
    pgPeak = await phase('attune all-in-one, PostgreSQL transport', () =>
      attune('pg-allinone', TOPOLOGIES.pgAllinone, config.n, null),
    );
  }
  if (config.only.has('pg-split')) {
    await phase('attune split, PostgreSQL transport', () =>
      attune('pg-split', TOPOLOGIES.pgSplit, config.n, null),
    );
  }
  if (config.only.has('pg-rate') && pgPeak) {
    // Half of its own peak, as the RabbitMQ rows are measured at half of theirs.
    const rate = Math.max(1, Math.round(pgPeak.per_second / 2));
    await phase(`attune all-in-one, PostgreSQL transport @ ${rate}/s`, () =>
      attune(
        'pg-allinone-rate',
        TOPOLOGIES.pgAllinone,
        rate * config.rateSeconds,
        rate,
        false,
        rate * config.leadInSeconds,
      ),
    );
  }
  if (config.only.has('embedded')) {
    await phase('attune all-in-one, embedded (nothing configured)', () =>
      attune('embedded', TOPOLOGIES.embedded, config.n, null),
    );
  }
  if (config.only.has('hop')) {
    await phase('one hop, PostgreSQL transport vs RabbitMQ', async () => ({
      kind: 'hop',
      ...(await runHopPhase(config)),
    }));
  }
  if (config.only.has('workflow')) {
    await phase('workflows: a 5-step core.noop chain', () =>
      runWorkflowPhase(config, { ...common, appEnv }),
    );
  }
  if (config.only.has('rate')) {
    const rate = config.rate ?? (peak ? Math.max(1, Math.round(peak.per_second / 2)) : null);
    if (rate === null) {
      errors.push('fixed rate: skipped, the all-in-one peak is unknown (or set BENCH_RATE)');
    } else {
      const count = rate * config.rateSeconds;
      const leadIn = rate * config.leadInSeconds;
      // Taking turns, so both programs sample the same spells of a busy machine.
      for (let round = 1; round <= config.rateRounds; round++) {
        const [title, label] = config.rateRounds > 1 ? [` #${round}`, `-${round}`] : ['', ''];
        await phase(`baseline @ ${rate}/s${title}`, () =>
          runBaselinePhase(config, {
            ...common,
            label: `baseline-rate${label}`,
            rate,
            n: count,
            leadIn,
          }),
        );
        await phase(`attune all-in-one @ ${rate}/s${title}`, () =>
          attune(
            `allinone-rate${label}`,
            TOPOLOGIES.allinone,
            count,
            rate,
            config.profile && round === 1,
            leadIn,
          ),
        );
      }
    }
  }
  rss.close();
  if (interrupted) return 130; // no report from a run cut short

  const files = {};
  const chartSeries = tableRows(results)
    .filter((result) => result.latencies_ms?.length > 0)
    .map((result) => ({
      run: result.title,
      load:
        result.offered_rate === null
          ? `peak: closed loop, ${config.concurrency} in flight`
          : `fixed rate: ${result.offered_rate}/s`,
      latencies: result.latencies_ms,
    }));
  if (chartSeries.length > 0) {
    files.chart = path.join(RESULTS, `latency-${stamp}.png`);
    try {
      await writeLatencyChart(files.chart, chartSeries, `Attune vs raw baseline, ${stamp}`);
    } catch (error) {
      errors.push(`chart: ${error.message}`);
      delete files.chart;
    }
  }

  const profiles = results.flatMap((result) =>
    (result.profiles ?? []).map(({ file, window }) =>
      summarizeProfile(file, { top: 15, ...window }),
    ),
  );
  files.json = path.join(RESULTS, `bench-${stamp}.json`);
  files['json (copy)'] = path.join(RESULTS, 'latest.json');
  files.logs = logDir;
  writeJson(files.json, files['json (copy)'], {
    started_at: stamp,
    config: { ...config, only: [...config.only], app_env: appEnv },
    machine: {
      cpus: os.cpus().length,
      cpu_model: os.cpus()[0]?.model,
      memory_gib: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      ...versions,
    },
    checks: checks(results),
    // Pooled fixed-rate rows without their latencies (every run below has its own).
    fixed_rate: pooledFixedRate(results).map(({ latencies_ms: _, ...pool }) => pool),
    results,
    profiles,
    errors,
  });

  const relative = Object.fromEntries(
    Object.entries(files).map(([what, file]) => [what, path.relative(process.cwd(), file)]),
  );
  process.stdout.write(
    `\n${formatReport({ results, files: relative, config, profiles: profiles.map(formatProfileSummary) })}\n`,
  );
  if (errors.length > 0) {
    process.stdout.write(`\nErrors\n${errors.map((error) => `  ${error}`).join('\n')}\n`);
  }
  const failedChecks = checks(results).some((check) => !check.pass);
  return errors.length > 0 ? 1 : config.strict && failedChecks ? 1 : 0;
}

/** The soak and burst runs (`--soak=SECONDS`, `--burst`): load held for minutes. */
async function sustainedRuns(config, { phase, attune, common, appEnv, stamp, errors }) {
  const topology = TOPOLOGIES[config.topology];
  const sustained = [];
  const run = (kind, segments, peak) =>
    phase(`${kind}: ${segments.map((s) => `${s.rate}/s for ${s.seconds} s`).join(', then ')}`, () =>
      runSustained(config, { ...common, kind, segments, peak, topology, appEnv }),
    );
  if (config.soakSeconds > 0) {
    // The rate the overload issue was found at: a third of the all-in-one peak.
    const rate = config.rate ?? 250;
    sustained.push(await run('soak', [{ name: 'steady', rate, seconds: config.soakSeconds }]));
  }
  if (config.burst) {
    let peak = config.peak;
    if (peak === null) {
      const measured = await phase(`peak of ${config.topology} (for the burst)`, () =>
        attune(`peak-${config.topology}`, topology, config.n, null),
      );
      peak = measured ? Math.round(measured.per_second) : null;
    }
    if (peak === null) {
      errors.push('burst: skipped, the peak is unknown (or set BENCH_PEAK)');
    } else {
      const half = Math.round(peak / 2);
      sustained.push(
        await run(
          'burst',
          [
            { name: 'steady', rate: half, seconds: 60 },
            { name: 'burst', rate: 2 * peak, seconds: config.burstSeconds },
            { name: 'after', rate: half, seconds: 120 },
          ],
          peak,
        ),
      );
    }
  }
  const done = sustained.filter(Boolean);
  const file = path.join(RESULTS, `sustained-${stamp}.json`);
  writeJson(file, path.join(RESULTS, 'latest-sustained.json'), {
    started_at: stamp,
    config: { ...config, only: [...config.only], app_env: appEnv },
    results: done.map((result) => ({ ...result, checks: sustainedChecks(result) })),
    errors,
  });
  for (const result of done) process.stdout.write(`${formatSustained(result)}\n`);
  process.stdout.write(`\n  results: ${path.relative(process.cwd(), file)}\n`);
  if (errors.length > 0) {
    process.stdout.write(`\nErrors\n${errors.map((error) => `  ${error}`).join('\n')}\n`);
    return 1;
  }
  const failed = done.some((result) => sustainedChecks(result).some((check) => !check.pass));
  return config.strict && failed ? 1 : 0;
}

main().then(
  async (code) => {
    await cleanup.runAll(); // an interrupt's clean-up may still be running
    process.exit(code);
  },
  async (error) => {
    const expected = error instanceof ConfigError || error instanceof SetupError;
    process.stderr.write(`bench: ${expected ? error.message : (error.stack ?? error)}\n`);
    await killAll();
    await cleanup.runAll();
    process.exit(error instanceof ConfigError ? 2 : 1);
  },
);
