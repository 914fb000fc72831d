'use strict';
// The workflow run (`BENCH_ONLY=workflow`): a chain of five core.noop tasks on one all-in-one
// process, against plain core.noop executions in the same deployment as the baseline.
//   peak:      workflows started in a closed loop (BENCH_CONCURRENCY in flight): steps per
//              second, against plain executions per second started the same way.
//   half load: workflows at half their peak rate: the per-step overhead, one task run finished
//              → the next one finished (the conductor's decision, the insert, the dispatch and
//              the noop), against a plain execution's created → finished at the same step rate.

const { performance } = require('node:perf_hooks');
const { drive } = require('./attune-watch');
const { startDeployment } = require('./deployment');
const { closedLoop, fixedRate } = require('./load-shapes');
const { summarize } = require('./stats');

const STEPS = 5;
const CHAIN = 'bench.chain';

/** The five-step chain: step1 → step2 → … → step5, each core.noop. */
function chainDefinition() {
  const tasks = {};
  for (let i = 1; i <= STEPS; i++) {
    tasks[`step${i}`] = {
      action: 'core.noop',
      ...(i < STEPS ? { next: [{ when: 'succeeded', do: [`step${i + 1}`] }] } : {}),
    };
  }
  return { tasks };
}

/**
 * @param {import('./config').BenchConfig} config
 * @param {{ logDir: string, cleanup: import('./infra').Cleanup,
 *           rss: import('./proc-stats').PeakRss, appEnv: Record<string, string> }} run
 */
async function runWorkflowPhase(config, { logDir, cleanup, rss, appEnv }) {
  const deployment = await startDeployment(config, {
    label: 'workflow',
    topology: [{ name: 'all-in-one', roles: 'all' }],
    appEnv,
    logDir,
    cleanup,
    rss,
    rule: { action: 'core.noop' },
    httpSockets: config.concurrency,
  });
  const { http, db, children } = deployment;
  try {
    const created = await http.request('POST', '/api/v1/actions', {
      ref: CHAIN,
      runner: 'workflow',
      workflow: chainDefinition(),
    });
    if (created.status !== 201) {
      throw new Error(
        `creating ${CHAIN} answered ${created.status}: ${JSON.stringify(created.body)}`,
      );
    }
    const start = (action) => async () => {
      const response = await http.request('POST', '/api/v1/executions', { action, parameters: {} });
      if (response.status !== 201) {
        throw new Error(
          `starting ${action} answered ${response.status}: ${JSON.stringify(response.body)}`,
        );
      }
    };
    /** Runs `count` of `action` (a workflow counts its task runs too) and times it. */
    const measure = async (label, action, count, rate) => {
      const executions = action === CHAIN ? count * (STEPS + 1) : count;
      // Autovacuum is off on the PostgreSQL these machines run: each run starts from what it
      // would have left (no dead rows from the run before, fresh statistics).
      await db.query('VACUUM (ANALYZE) execution, event, enforcement');
      const since = await dbNow(db);
      const state = {
        sent: 0,
        succeeded: 0,
        polls: 0,
        failure: /** @type {unknown} */ (undefined),
      };
      const watch = { db, children, stallMs: config.stallMs, state, since };
      const started = performance.now();
      await drive(label, executions, watch, () =>
        rate === null
          ? closedLoop({
              count,
              concurrency: config.concurrency,
              send: start(action),
              onSent: () => state.sent++,
            })
          : fixedRate({ count, rate, send: start(action), onSent: () => state.sent++ }),
      );
      return { since, seconds: (performance.now() - started) / 1000 };
    };

    const workflows = Math.max(10, Math.round(config.n / STEPS));
    if (config.warmup > 0) {
      await measure('workflow warm-up', CHAIN, Math.ceil(config.warmup / STEPS), null);
      await measure('noop warm-up', 'core.noop', config.warmup, null);
    }
    const chainPeak = await measure('workflow peak', CHAIN, workflows, null);
    const stepsPerSecond = (await throughput(db, chainPeak.since, 'parent_id IS NOT NULL')) ?? 0;
    const noopPeak = await measure('noop peak', 'core.noop', workflows * STEPS, null);
    const noopPerSecond = (await throughput(db, noopPeak.since, `action_ref = 'core.noop'`)) ?? 0;

    const workflowRate = Math.max(1, Math.round(stepsPerSecond / STEPS / 2));
    const count = workflowRate * config.rateSeconds;
    const chainHalf = await measure(`workflow @ ${workflowRate}/s`, CHAIN, count, workflowRate);
    const noopHalf = await measure(
      `noop @ ${workflowRate * STEPS}/s`,
      'core.noop',
      count * STEPS,
      workflowRate * STEPS,
    );
    return {
      kind: 'workflow',
      title: `workflow: ${STEPS}-step core.noop chain, all-in-one`,
      steps: STEPS,
      peak: {
        workflows,
        steps_per_second: stepsPerSecond,
        noop_executions_per_second: noopPerSecond,
        ratio: round(stepsPerSecond / noopPerSecond),
      },
      half_load: {
        workflows_per_second: workflowRate,
        steps_per_second: workflowRate * STEPS,
        per_step_ms: summarize(await stepGaps(db, chainHalf.since)),
        workflow_ms: summarize(await workflowLatencies(db, chainHalf.since)),
        noop_execution_ms: summarize(await noopLatencies(db, noopHalf.since)),
      },
    };
  } finally {
    await deployment.close();
  }
}

async function dbNow(db) {
  const { rows } = await db.query('SELECT now() AS now');
  return rows[0].now;
}

/** Finished rows per second from the rows themselves: first created → last finished. */
async function throughput(db, since, where) {
  const { rows } = await db.query(
    `SELECT count(*)::int AS n, extract(epoch FROM max(finished_at) - min(created_at)) AS s
       FROM execution WHERE created_at >= $1 AND ${where}`,
    [since],
  );
  return rows[0].s > 0 ? round(rows[0].n / rows[0].s) : null;
}

/** One step's task run finished → the next one's finished, in every workflow. */
async function stepGaps(db, since) {
  const { rows } = await db.query(
    `SELECT extract(epoch FROM finished_at - lag(finished_at) OVER w) * 1000 AS ms
       FROM execution WHERE parent_id IS NOT NULL AND created_at >= $1
     WINDOW w AS (PARTITION BY parent_id ORDER BY finished_at)`,
    [since],
  );
  return rows.filter((row) => row.ms !== null).map((row) => Number(row.ms));
}

async function workflowLatencies(db, since) {
  const { rows } = await db.query(
    `SELECT extract(epoch FROM finished_at - created_at) * 1000 AS ms
       FROM execution WHERE action_ref = $2 AND created_at >= $1`,
    [since, CHAIN],
  );
  return rows.map((row) => Number(row.ms));
}

async function noopLatencies(db, since) {
  const { rows } = await db.query(
    `SELECT extract(epoch FROM finished_at - created_at) * 1000 AS ms
       FROM execution WHERE action_ref = 'core.noop' AND parent_id IS NULL AND created_at >= $1`,
    [since],
  );
  return rows.map((row) => Number(row.ms));
}

const round = (value) => Math.round(value * 100) / 100;

/** The report's lines for a workflow result. */
function formatWorkflow(result) {
  const { peak, half_load: half } = result;
  const pair = (s) => `p50 ${s.p50} ms, p99 ${s.p99} ms`;
  return [
    `Workflows: ${result.title}`,
    `  peak: ${peak.steps_per_second} steps/s over ${peak.workflows} workflows; plain core.noop ` +
      `executions ${peak.noop_executions_per_second}/s (${peak.ratio}×)`,
    `  at ${half.workflows_per_second} workflows/s (${half.steps_per_second} steps/s, half the peak):`,
    `    per step (task run finished → next finished): ${pair(half.per_step_ms)}`,
    `    whole workflow (created → finished): ${pair(half.workflow_ms)}`,
    `    plain core.noop at the same step rate (created → finished): ${pair(half.noop_execution_ms)}` +
      ` (per-step p50 ${round(half.per_step_ms.p50 / half.noop_execution_ms.p50)}× of it)`,
  ].join('\n');
}

/** The check: per-step overhead under 10 ms at half load (p50). */
function workflowChecks(result) {
  const perStep = result.half_load.per_step_ms;
  return [
    {
      check: `workflow per-step overhead p50 < 10 ms at ${result.half_load.workflows_per_second} workflows/s`,
      pass: perStep.p50 < 10,
      value: `p50 ${perStep.p50} ms, p99 ${perStep.p99} ms`,
    },
  ];
}

module.exports = { runWorkflowPhase, formatWorkflow, workflowChecks };
