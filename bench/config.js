'use strict';
// Bench settings from BENCH_* env vars, or the same as --flags (`--n=1000 --only=baseline`).

const PHASES = /** @type {const} */ ([
  'baseline',
  'allinone',
  'split',
  'rate',
  'pg-allinone',
  'pg-split',
  'pg-rate',
  'embedded',
  'hop',
  'workflow',
]);
/** Where the soak and burst runs put their processes (see attune-phase.js TOPOLOGIES). */
const SUSTAINED_TOPOLOGIES = ['allinone', 'split', 'replicas'];

/**
 * @typedef {'baseline' | 'allinone' | 'split' | 'rate' | 'pg-allinone' | 'pg-split' | 'pg-rate' | 'embedded' | 'hop' | 'workflow'} Phase
 * @typedef {object} BenchConfig
 * @property {number} n             measured executions per peak run
 * @property {number} concurrency   requests in flight (webhooks, or baseline publishes)
 * @property {number} warmup        executions run and discarded before each measured run
 * @property {Set<Phase>} only      phases to run
 * @property {boolean} profile      start the all-in-one process with --cpu-prof
 * @property {number | null} rate   fixed offered rate (per s); null = half the all-in-one peak
 * @property {number} rateSeconds   how long each fixed-rate run offers load
 * @property {number} rateRounds    fixed-rate runs per program, baseline and Attune taking turns;
 *                                  their latencies are pooled (one draw is mostly luck on a busy
 *                                  machine: a 100 ms stall on either side decides its p99)
 * @property {number} leadInSeconds fixed-rate runs: the same rate offered this long first, and
 *                                  reported apart (the steady state is what is compared)
 * @property {number} stallMs       abort when no execution finishes for this long
 * @property {boolean} strict       exit 1 when an acceptance check fails
 * @property {number} quietWaitSeconds  before each phase, wait up to this long for other work on
 *                                      the machine to finish (0: don't wait)
 * @property {number} soakSeconds   > 0: only the soak run, a steady rate for this long
 * @property {boolean} burst        only the burst run: half the peak, 2× the peak, half again
 * @property {number | null} peak   the peak rate the burst is built on (null: measure it)
 * @property {number} burstSeconds  how long the burst lasts
 * @property {string} topology      processes of the soak and burst runs
 * @property {boolean} history     only the history runs: empty database against a long history
 * @property {number} historyRows   history runs: finished executions in the long history
 * @property {number} pruneBaselineSeconds history runs: the closed loop without a prune pass
 * @property {number | null} sampleSeconds  soak/burst: one line of figures this often
 *                                          (null: 60 for the soak, 10 for the burst)
 * @property {string} pgAdminUrl
 * @property {string} amqpUrl
 */

class ConfigError extends Error {}

/** `--only=split --n=500` → BENCH_ONLY=split, BENCH_N=500. */
function flagsToEnv(argv) {
  /** @type {Record<string, string>} */
  const env = {};
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new ConfigError(`unknown argument '${arg}' (use --name=value)`);
    env[`BENCH_${match[1].replace(/-/g, '_').toUpperCase()}`] = match[2] ?? '1';
  }
  return env;
}

function integer(env, name, fallback, min) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min) {
    throw new ConfigError(`${name} must be a whole number >= ${min}, got '${raw}'`);
  }
  return Number(raw);
}

function flag(env, name) {
  return ['1', 'true', 'yes'].includes(String(env[name] ?? '').toLowerCase());
}

/** @returns {BenchConfig} */
function readConfig(argv = process.argv.slice(2), processEnv = process.env) {
  const env = { ...processEnv, ...flagsToEnv(argv) };
  const only = new Set(
    String(env.BENCH_ONLY || PHASES.join(','))
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean),
  );
  for (const phase of only) {
    if (!PHASES.includes(/** @type {Phase} */ (phase))) {
      throw new ConfigError(`BENCH_ONLY: unknown phase '${phase}' (valid: ${PHASES.join(', ')})`);
    }
  }
  const rate = env.BENCH_RATE ? integer(env, 'BENCH_RATE', 0, 1) : null;
  const topology = env.BENCH_TOPOLOGY || 'allinone';
  if (!SUSTAINED_TOPOLOGIES.includes(topology)) {
    throw new ConfigError(
      `BENCH_TOPOLOGY: unknown '${topology}' (valid: ${SUSTAINED_TOPOLOGIES.join(', ')})`,
    );
  }
  return {
    n: integer(env, 'BENCH_N', 10_000, 1),
    concurrency: integer(env, 'BENCH_CONCURRENCY', 64, 1),
    warmup: integer(env, 'BENCH_WARMUP', 500, 0),
    only: /** @type {Set<Phase>} */ (only),
    profile: flag(env, 'BENCH_PROFILE'),
    rate,
    rateSeconds: integer(env, 'BENCH_RATE_SECONDS', 10, 1),
    rateRounds: integer(env, 'BENCH_RATE_ROUNDS', 3, 1),
    leadInSeconds: integer(env, 'BENCH_LEAD_IN_SECONDS', 3, 0),
    stallMs: integer(env, 'BENCH_STALL_MS', 60_000, 1000),
    strict: flag(env, 'BENCH_STRICT'),
    quietWaitSeconds: integer(env, 'BENCH_QUIET_WAIT', 30, 0),
    hopRate: integer(env, 'BENCH_HOP_RATE', 250, 1),
    hopSeconds: integer(env, 'BENCH_HOP_SECONDS', 10, 1),
    soakSeconds: integer(env, 'BENCH_SOAK', 0, 0),
    burst: flag(env, 'BENCH_BURST'),
    peak: env.BENCH_PEAK ? integer(env, 'BENCH_PEAK', 0, 1) : null,
    burstSeconds: integer(env, 'BENCH_BURST_SECONDS', 60, 1),
    topology,
    history: flag(env, 'BENCH_HISTORY'),
    historyRows: integer(env, 'BENCH_HISTORY_ROWS', 5_000_000, 1000),
    pruneBaselineSeconds: integer(env, 'BENCH_PRUNE_BASELINE_SECONDS', 120, 1),
    sampleSeconds: env.BENCH_SAMPLE_SECONDS ? integer(env, 'BENCH_SAMPLE_SECONDS', 0, 1) : null,
    pgAdminUrl: env.BENCH_PG_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    amqpUrl: env.BENCH_AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672',
  };
}

module.exports = { readConfig, ConfigError, PHASES };
