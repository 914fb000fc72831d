'use strict';
// Runs baseline.js in its own process (its own event loop, its RSS measured like Attune's) on
// a throwaway database and queue prefix.

const path = require('node:path');
const { createInterface } = require('node:readline');
const { createDatabase, dropDatabase, deleteBrokerObjects, randomId } = require('./infra');
const { spawnNode } = require('./processes');
const { startCpuWindow } = require('./proc-stats');

/**
 * @param {import('./config').BenchConfig} config
 * @param {{ label: string, rate: number | null, n: number, leadIn?: number, logDir: string,
 *           cleanup: import('./infra').Cleanup, rss: import('./proc-stats').PeakRss }} run
 */
async function runBaselinePhase(config, { label, rate, n, leadIn = 0, logDir, cleanup, rss }) {
  const database = await createDatabase(config.pgAdminUrl);
  const dropDb = cleanup.add(`drop database ${database.name}`, () =>
    dropDatabase(config.pgAdminUrl, database.name),
  );
  const prefix = `bench-${randomId()}`;
  const dropQueues = cleanup.add(`delete queues ${prefix}.*`, () =>
    deleteBrokerObjects(config.amqpUrl, prefix, {
      queues: [`${prefix}.requested`, `${prefix}.completed`],
    }),
  );
  try {
    const options = {
      label,
      databaseUrl: database.url,
      amqpUrl: config.amqpUrl,
      prefix,
      n,
      leadIn: rate === null ? 0 : leadIn,
      warmup: config.warmup,
      concurrency: config.concurrency,
      rate,
      prefetch: 50,
      poolSize: 10,
      stallMs: config.stallMs,
    };
    const child = spawnNode({
      name: label,
      args: [path.join(__dirname, 'baseline.js'), JSON.stringify(options)],
      env: {},
      logFile: path.join(logDir, `${label.replace(/[^a-z0-9-]+/gi, '-')}.log`),
      stdoutToLog: false,
      echoStderr: true,
    });
    const rssLabel = `${label} (pid ${child.pid})`;
    rss.track(rssLabel, child.pid);

    let window;
    let cpu;
    let result;
    const lines = createInterface({
      input: /** @type {NodeJS.ReadableStream} */ (child.proc.stdout),
    });
    lines.on('line', (line) => {
      let message;
      try {
        message = JSON.parse(line);
      } catch {
        return; // not ours
      }
      if (message.event === 'measure-start') {
        window = startCpuWindow({ [label]: child.pid }, [database.name]);
      } else if (message.event === 'measure-end') {
        cpu = window?.end();
      } else if (message.event === 'result') {
        result = message.result;
      }
    });
    const { code, signal } = await child.exit;
    if (code !== 0 || !result) {
      throw new Error(
        `${label} exited with ${signal ?? code}:\n${child.tail()}\n(full log: ${child.logFile})`,
      );
    }
    return {
      run: label,
      kind: 'baseline',
      offered_rate: rate,
      executions: result.executions,
      executions_in_cpu_window: result.executions_in_window,
      ...(result.lead_in ? { lead_in: result.lead_in } : {}),
      per_second: result.per_second,
      elapsed_ms: result.elapsed_ms,
      latency: result.latency,
      latency_from_rows: result.latency_from_rows,
      postgresql_per_execution: result.postgresql_per_execution,
      latencies_ms: result.latencies_ms,
      sender: result.sender,
      cpu,
      // The child's own maxRSS is exact; polling may miss a last peak.
      rss_mib: { [rssLabel]: Math.max(rss.result()[rssLabel] ?? 0, result.max_rss_mib ?? 0) },
      processes: 1,
    };
  } finally {
    await dropQueues();
    await dropDb();
  }
}

module.exports = { runBaselinePhase };
