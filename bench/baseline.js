'use strict';
// The raw baseline, run as its own process by baseline-phase.js: the same pipeline shape as one
// Attune execution with plain amqplib and pg, no Nest. A publisher sends "execution requested"
// messages; a consumer inserts the row, updates it to running and to succeeded (each statement
// autocommitted), publishes a completion and acks; a collector consumes the completions.
// Every message is persistent and confirmed, every queue durable. Talks to the harness in JSON
// lines on stdout: measure-start, measure-end (so it can window its CPU readings), result.

const { randomUUID } = require('node:crypto');
const { performance } = require('node:perf_hooks');
const { Buffer } = require('node:buffer');
const { setTimeout: sleep } = require('node:timers/promises');
const amqp = require('amqplib');
const { Pool } = require('pg');
const { closedLoop, fixedRate } = require('./load-shapes');
const { readPgActivity, perExecution } = require('./pg-activity');
const { startProgress } = require('./progress');
const { summarize } = require('./stats');

/**
 * @typedef {object} BaselineOptions
 * @property {string} label
 * @property {string} databaseUrl
 * @property {string} amqpUrl
 * @property {string} prefix       queues are `<prefix>.requested` and `<prefix>.completed`
 * @property {number} n            measured executions
 * @property {number} leadIn       fixed rate: executions offered first at the same rate, apart
 * @property {number} warmup
 * @property {number} concurrency  confirms outstanding at once (closed loop)
 * @property {number | null} rate  fixed offered rate per s (open loop) instead of closed loop
 * @property {number} prefetch
 * @property {number} poolSize
 * @property {number} stallMs
 */

/** One JSON line to the harness. */
function emit(message) {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

/** Persistent publish on a confirm channel, resolved when the broker confirms. */
function publishConfirmed(channel, queue, body, messageId) {
  return new Promise((resolve, reject) => {
    channel.sendToQueue(
      queue,
      Buffer.from(JSON.stringify(body)),
      { persistent: true, contentType: 'application/json', messageId, timestamp: Date.now() },
      (error) => (error ? reject(error) : resolve()),
    );
  });
}

/** @param {BaselineOptions} options */
async function runBaseline(options) {
  const requested = `${options.prefix}.requested`;
  const completed = `${options.prefix}.completed`;
  let pool = new Pool({ connectionString: options.databaseUrl, max: options.poolSize });
  await pool.query(`CREATE TABLE bench_execution (
    id uuid PRIMARY KEY, status text NOT NULL, created_at timestamptz NOT NULL,
    started_at timestamptz, finished_at timestamptz)`);

  // One connection per part, as separate services would have.
  const connect = () => amqp.connect(options.amqpUrl, { noDelay: true });
  const [publisherConnection, workerConnection, collectorConnection] = await Promise.all([
    connect(),
    connect(),
    connect(),
  ]);
  const publisher = await publisherConnection.createConfirmChannel();
  await publisher.assertQueue(requested, { durable: true });
  await publisher.assertQueue(completed, { durable: true });

  /** @type {unknown} */
  let failure;
  const fail = (error) => {
    failure ??= error;
  };

  // Worker: request → insert, running, succeeded → completion → ack.
  const workerIn = await workerConnection.createChannel();
  const workerOut = await workerConnection.createConfirmChannel();
  await workerIn.prefetch(options.prefetch);
  await workerIn.consume(requested, (message) => {
    if (!message) return fail(new Error('request consumer cancelled by the broker'));
    const { id, published_at: publishedAt } = JSON.parse(message.content.toString());
    (async () => {
      await pool.query(
        `INSERT INTO bench_execution (id, status, created_at) VALUES ($1, 'requested', $2)`,
        [id, new Date(publishedAt)],
      );
      await pool.query(
        `UPDATE bench_execution SET status = 'running', started_at = now() WHERE id = $1`,
        [id],
      );
      await pool.query(
        `UPDATE bench_execution SET status = 'succeeded', finished_at = now() WHERE id = $1`,
        [id],
      );
      await publishConfirmed(workerOut, completed, { id, status: 'succeeded' }, randomUUID());
      workerIn.ack(message);
    })().catch(fail);
  });

  // Collector: latency = completion consumed − request published (one clock: this process's).
  /** @type {Map<string, number>} */
  const publishedAt = new Map();
  /** Ids of the lead-in: their latencies are kept apart. */
  const leadInIds = new Set();
  /** @type {number[]} */
  let latencies = [];
  /** @type {number[]} */
  const leadInLatencies = [];
  let finished = 0;
  let lastCompletionAt = 0;
  const collector = await collectorConnection.createChannel();
  await collector.prefetch(options.prefetch);
  await collector.consume(completed, (message) => {
    if (!message) return fail(new Error('completion consumer cancelled by the broker'));
    const { id } = JSON.parse(message.content.toString());
    const now = performance.now();
    const sentAt = publishedAt.get(id);
    if (sentAt !== undefined) {
      (leadInIds.delete(id) ? leadInLatencies : latencies).push(now - sentAt);
      publishedAt.delete(id);
      finished++;
      lastCompletionAt = now;
    }
    collector.ack(message);
  });

  let sent = 0;
  let leadIn = 0; // set after the warm-up
  let measuredFrom = { at: 0, wall: 0 };
  const send = async (/** @type {number} */ i) => {
    const id = randomUUID();
    if (i < leadIn) leadInIds.add(id);
    else if (i === leadIn) measuredFrom = { at: performance.now(), wall: Date.now() };
    publishedAt.set(id, performance.now());
    await publishConfirmed(publisher, requested, { id, published_at: Date.now() }, id);
  };

  /** Sends `count` requests in the configured shape and waits for all their completions. */
  const run = async (count, label, shape) => {
    latencies = [];
    finished = 0;
    sent = 0;
    const stop = startProgress(label, () => ({ sent, finished, total: count }));
    try {
      const sending = shape({ count, send, onSent: () => sent++ }).catch(fail);
      let lastCount = -1;
      let lastChange = performance.now();
      while (finished < count) {
        if (failure) throw failure;
        if (finished !== lastCount) {
          lastCount = finished;
          lastChange = performance.now();
        } else if (performance.now() - lastChange > options.stallMs) {
          throw new Error(
            `baseline stalled: ${finished}/${count} completed, none for ${options.stallMs} ms`,
          );
        }
        await sleep(20);
      }
      const result = await sending;
      if (failure) throw failure;
      return result;
    } finally {
      stop();
    }
  };

  if (options.warmup > 0) {
    await run(options.warmup, `${options.label} warm-up`, (shape) =>
      closedLoop({ ...shape, concurrency: options.concurrency }),
    );
  }
  // A fresh pool, so the warm-up's backends exit and flush their statistics first.
  await pool.end();
  pool = new Pool({ connectionString: options.databaseUrl, max: options.poolSize });
  const clients = await Promise.all(Array.from({ length: options.poolSize }, () => pool.connect()));
  clients.forEach((client) => client.release()); // connected before the clock starts
  const pgBefore = await readPgActivity(options.databaseUrl);
  emit({ event: 'measure-start' });
  leadIn = options.rate === null ? 0 : options.leadIn;
  const sender =
    options.rate === null
      ? (shape) => closedLoop({ ...shape, concurrency: options.concurrency })
      : (shape) => fixedRate({ ...shape, rate: /** @type {number} */ (options.rate) });
  const inWindow = leadIn + options.n;
  const senderInfo = (await run(inWindow, options.label, sender)) ?? {};
  const elapsedMs = lastCompletionAt - measuredFrom.at;
  emit({ event: 'measure-end' });

  // The same latency measured like Attune's: from the rows (finished_at − created_at).
  const { rows } = await pool.query(
    `SELECT extract(epoch FROM finished_at - created_at) * 1000 AS ms FROM bench_execution
      WHERE status = 'succeeded' AND created_at >= $1`,
    [new Date(measuredFrom.wall)],
  );

  await publisher.deleteQueue(requested).catch(() => {});
  await publisher.deleteQueue(completed).catch(() => {});
  await Promise.all(
    [publisherConnection, workerConnection, collectorConnection].map((c) =>
      c.close().catch(() => {}),
    ),
  );
  await pool.end();
  // After the pool closed, so its backends have flushed their counters (minus the rows query).
  const pgWork = perExecution(pgBefore, await readPgActivity(options.databaseUrl), inWindow, 2);

  return {
    executions: latencies.length,
    executions_in_window: inWindow,
    ...(leadIn > 0 ? { lead_in: { executions: leadIn, latency: summarize(leadInLatencies) } } : {}),
    elapsed_ms: Math.round(elapsedMs),
    per_second: Math.round((latencies.length / elapsedMs) * 1000 * 10) / 10,
    latency: summarize(latencies),
    latency_from_rows: summarize(rows.map((row) => Number(row.ms))),
    postgresql_per_execution: pgWork,
    latencies_ms: latencies.map((value) => Math.round(value * 100) / 100),
    sender: senderInfo,
    max_rss_mib: Math.round(process.resourceUsage().maxRSS / 102.4) / 10,
  };
}

if (require.main === module) {
  const options = /** @type {BaselineOptions} */ (JSON.parse(process.argv[2] ?? '{}'));
  runBaseline(options).then(
    (result) => {
      emit({ event: 'result', result });
      process.exit(0);
    },
    (error) => {
      process.stderr.write(`baseline failed: ${error.stack ?? error}\n`);
      process.exit(1);
    },
  );
}

module.exports = { runBaseline };
