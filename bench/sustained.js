'use strict';
// Load held for minutes instead of seconds: the soak (one steady rate for a long time) and the
// burst (half the peak, twice the peak for a minute, half the peak again). Webhooks at an open
// loop, a rule running core.echo, the settings a user gets. Every `sampleSeconds` one line:
// RSS, heap, event-loop delay, p50/p99 latency of what finished, backlog, queue depths; at the
// end the slope of each, and the checks of the overload issue.

const { performance } = require('node:perf_hooks');
const { setTimeout: sleep } = require('node:timers/promises');
const amqp = require('amqplib');
const { startDeployment, settingsNote, TRIGGER } = require('./deployment');
const { HttpClient } = require('./http-client');
const { listQueues } = require('./infra');
const { memoryKb } = require('./proc-stats');
const { round } = require('./stats');

/** Requests in flight at most: past it the sender counts the webhook as not sent (overrun). */
const MAX_IN_FLIGHT = 2000;
/**
 * When the server's autovacuum is off (as on the machines this was written on), the run vacuums
 * its own database this often instead: a user's PostgreSQL has autovacuum on, and minutes of
 * updates without it measure dead rows, not Attune.
 */
const VACUUM_EVERY_S = 60;
/** After the load, how long to wait at most for the backlog to drain. */
const DRAIN_LIMIT_S = 300;

/** @typedef {{ name: string, rate: number, seconds: number }} Segment */

/**
 * @typedef {object} Sample
 * @property {number} t              seconds since the load started (end of the window)
 * @property {string} segment
 * @property {number} offered        webhooks per second offered in the window
 * @property {number} accepted       … answered 202
 * @property {number} refused        … answered 429 (backpressure)
 * @property {number} finished       executions finished per second in the window
 * @property {number | null} p50     latency (webhook accepted → finished) of those, ms
 * @property {number | null} p99
 * @property {number} backlog        the api's attune_backlog
 * @property {Record<string, number>} queues  messages ready: events, scheduler, worker queues
 * @property {number} rss_mib        all Attune processes together
 * @property {number} heap_mib       V8 heap used, all together
 * @property {number} loop_p99_ms    event-loop delay p99, the worst process
 * @property {number} requested_published  ExecutionRequested published so far, all processes
 */

/** One sample of every line of /metrics named `name` (labels ignored), summed. */
function metricSum(text, name) {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] === ' ' || rest[0] === '{') sum += Number(line.split(' ').pop());
  }
  return sum;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor((sorted.length - 1) / 2)];
}

/** Slope of y over x by least squares (per unit of x). */
function slope(points) {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

/**
 * @param {import('./config').BenchConfig} config
 * @param {{ kind: 'soak' | 'burst', segments: Segment[], peak?: number, topology: any[],
 *           appEnv: Record<string, string>, logDir: string,
 *           cleanup: import('./infra').Cleanup, rss: import('./proc-stats').PeakRss }} run
 */
async function runSustained(config, run) {
  const sampleSeconds = config.sampleSeconds ?? (run.kind === 'soak' ? 60 : 10);
  const deployment = await startDeployment(config, {
    label: run.kind,
    topology: run.topology,
    appEnv: run.appEnv,
    logDir: run.logDir,
    cleanup: run.cleanup,
    rss: run.rss,
    rule: { action: 'core.echo', parameters: { seq: '{{ event.payload.seq }}' } },
    httpSockets: 256,
  });
  const { children, db, prefix } = deployment;
  const broker = await amqp.connect(config.amqpUrl);
  const channel = await broker.createChannel();
  channel.on('error', () => {});
  const metricsClients = children.map(
    (child) => new HttpClient(`http://127.0.0.1:${child.port}`, 1),
  );
  const apiMetrics = metricsClients[children.indexOf(deployment.api)];
  const counts = { offered: 0, accepted: 0, refused: 0, overrun: 0, failed: 0 };
  /** @type {string | undefined} */
  let firstFailure;
  /** @type {Sample[]} */
  const samples = [];
  const started = performance.now();
  let segmentName = run.segments[0].name;
  let loadDone = false;
  const { rows: autovacuum } = await db.query(`SHOW autovacuum`);
  const vacuums = autovacuum[0].autovacuum === 'on' ? undefined : startVacuuming(db);
  const settings = `${settingsNote(run.appEnv)}${vacuums ? `; server autovacuum off: VACUUM (ANALYZE) every ${VACUUM_EVERY_S} s instead` : ''}`;
  try {
    process.stderr.write(
      `  [${run.kind}] settings that differ from a user's defaults: ${settings}\n`,
    );
    const header =
      '   t s  segment       offered/s  accepted/s  429/s  finished/s  p50 ms   p99 ms   backlog  ' +
      'events  sched  workers  rss MiB  heap MiB  loop p99 ms';
    process.stdout.write(`\n${run.kind}: one line every ${sampleSeconds} s\n${header}\n`);

    const readQueues = async () => {
      const names = await listQueues(prefix).catch(() => []);
      const depth = async (name) =>
        (await channel.checkQueue(name).catch(() => ({ messageCount: 0 }))).messageCount;
      const workers = names.filter((name) => /\.worker\.[0-9a-f-]{36}\.executions$/.test(name));
      const workerDepths = await Promise.all(workers.map(depth));
      return {
        events: await depth(`${prefix}.events.queue`),
        scheduler: await depth(`${prefix}.executions.queue`),
        workers: workerDepths.reduce((sum, n) => sum + n, 0),
      };
    };

    let windowStart = new Date();
    let last = { ...counts };
    const takeSample = async () => {
      const windowEnd = new Date();
      const countsAtEnd = { ...counts };
      const seconds = (windowEnd.getTime() - windowStart.getTime()) / 1000;
      const { rows } = await db.query(
        `SELECT count(*)::int AS n,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
                percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99
           FROM (SELECT extract(epoch FROM x.finished_at - ev.created_at) * 1000 AS ms
                   FROM execution x JOIN enforcement en ON en.id = x.enforcement_id
                   JOIN event ev ON ev.id = en.event_id
                  WHERE x.status = 'succeeded' AND x.created_at > $1::timestamptz - interval '20 minutes'
                    AND x.finished_at > $1 AND x.finished_at <= $2) w`,
        [windowStart, windowEnd],
      );
      const texts = await Promise.all(
        metricsClients.map(async (client) =>
          String((await client.request('GET', '/metrics')).body),
        ),
      );
      const apiText = texts[metricsClients.indexOf(apiMetrics)];
      const rssKb = children.reduce((sum, child) => sum + (memoryKb(child.pid)?.rss ?? 0), 0);
      const perSecond = (key) => round((countsAtEnd[key] - last[key]) / seconds, 1);
      /** @type {Sample} */
      const sample = {
        t: Math.round((performance.now() - started) / 1000),
        segment: loadDone ? 'drain' : segmentName,
        offered: perSecond('offered'),
        accepted: perSecond('accepted'),
        refused: perSecond('refused'),
        finished: round(rows[0].n / seconds, 1),
        p50: rows[0].p50 === null ? null : round(rows[0].p50, 1),
        p99: rows[0].p99 === null ? null : round(rows[0].p99, 1),
        backlog: metricSum(apiText, 'attune_backlog'),
        queues: await readQueues(),
        rss_mib: round(rssKb / 1024, 1),
        heap_mib: round(
          texts.reduce(
            (sum, text) => sum + metricSum(text, 'attune_nodejs_heap_size_used_bytes'),
            0,
          ) /
            2 ** 20,
          1,
        ),
        loop_p99_ms: round(
          Math.max(
            ...texts.map((text) => metricSum(text, 'attune_nodejs_eventloop_lag_p99_seconds')),
          ) * 1000,
          1,
        ),
        requested_published: texts.reduce(
          (sum, text) => sum + publishedOf(text, 'ExecutionRequested'),
          0,
        ),
      };
      samples.push(sample);
      last = countsAtEnd;
      windowStart = windowEnd;
      process.stdout.write(`${formatSample(sample)}\n`);
      return sample;
    };

    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        await sleep(sampleSeconds * 1000);
        if (sampling) await takeSample();
      }
    })();

    const send = async (/** @type {number} */ seq) => {
      counts.offered++;
      try {
        const response = await deployment.http.request('POST', `/api/v1/webhooks/${TRIGGER}`, {
          seq,
        });
        if (response.status === 202) counts.accepted++;
        else if (response.status === 429) counts.refused++;
        else {
          counts.failed++;
          firstFailure ??= `${response.status} ${JSON.stringify(response.body).slice(0, 300)}`;
        }
      } catch (error) {
        counts.failed++;
        firstFailure ??= /** @type {Error} */ (error).message;
      }
    };
    let seq = 0;
    let inFlight = 0;
    for (const segment of run.segments) {
      segmentName = segment.name;
      const segmentStart = performance.now();
      const count = Math.round(segment.rate * segment.seconds);
      for (let i = 0; i < count; i++) {
        const wait = segmentStart + (i * 1000) / segment.rate - performance.now();
        if (wait > 1) await sleep(wait);
        if (inFlight >= MAX_IN_FLIGHT) {
          counts.overrun++;
          continue;
        }
        inFlight++;
        void send(seq++).finally(() => inFlight--);
      }
    }
    while (inFlight > 0) await sleep(50);
    loadDone = true;
    const loadSeconds = (performance.now() - started) / 1000;

    // Let the backlog drain, sampling on.
    const drainDeadline = performance.now() + DRAIN_LIMIT_S * 1000;
    for (;;) {
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM execution WHERE status IN ('requested', 'scheduled', 'running')`,
      );
      const { rows: events } = await db.query(`SELECT count(*)::int AS n FROM event`);
      if (rows[0].n === 0 && events[0].n >= counts.accepted) break;
      if (performance.now() > drainDeadline) break;
      await sleep(500);
    }
    const drainedAfterS = round((performance.now() - started) / 1000 - loadSeconds, 1);
    sampling = false;
    await takeSample();
    await sampler;

    const { rows: totals } = await db.query(
      `SELECT count(*)::int AS executions,
              count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded FROM execution`,
    );
    const logLines = Object.fromEntries(
      children.map((child) => [
        child.name,
        { count: child.lineCount, first: child.firstLines.slice(0, 3) },
      ]),
    );
    return {
      kind: run.kind,
      topology: run.topology.map((spec) => spec.name),
      settings,
      segments: run.segments,
      peak: run.peak,
      sample_seconds: sampleSeconds,
      counts,
      first_failure: firstFailure,
      executions: totals[0].executions,
      succeeded: totals[0].succeeded,
      drained_after_s: drainedAfterS,
      samples,
      log_lines: logLines,
    };
  } finally {
    await vacuums?.stop();
    for (const client of metricsClients) client.close();
    await broker.close().catch(() => {});
    await deployment.close();
  }
}

/** VACUUM (ANALYZE) of the whole database every VACUUM_EVERY_S, until stopped. */
function startVacuuming(db) {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await sleep(VACUUM_EVERY_S * 1000);
      if (!stopped) await db.query('VACUUM (ANALYZE)').catch(() => {});
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await Promise.race([loop, sleep(100)]);
    },
  };
}

/** ExecutionRequested (or any type) published, from attune_messages_published_total. */
function publishedOf(text, type) {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('attune_messages_published_total{') && line.includes(`type="${type}"`)) {
      sum += Number(line.split(' ').pop());
    }
  }
  return sum;
}

/** @param {Sample} s */
function formatSample(s) {
  const cell = (value, width) => String(value ?? '—').padStart(width);
  return [
    cell(s.t, 6),
    `  ${s.segment.padEnd(12)}`,
    cell(s.offered, 9),
    cell(s.accepted, 11),
    cell(s.refused, 6),
    cell(s.finished, 11),
    cell(s.p50, 8),
    cell(s.p99, 8),
    cell(s.backlog, 9),
    cell(s.queues.events, 7),
    cell(s.queues.scheduler, 6),
    cell(s.queues.workers, 8),
    cell(s.rss_mib, 8),
    cell(s.heap_mib, 9),
    cell(s.loop_p99_ms, 12),
  ].join(' ');
}

/** Slopes per minute of each figure over the samples taken under load. */
function slopes(result) {
  const loaded = result.samples.filter((s) => s.segment !== 'drain');
  const per = (pick) =>
    round(slope(loaded.filter((s) => pick(s) !== null).map((s) => [s.t / 60, pick(s)])), 2);
  return {
    rss_mib: per((s) => s.rss_mib),
    heap_mib: per((s) => s.heap_mib),
    loop_p99_ms: per((s) => s.loop_p99_ms),
    p50_ms: per((s) => s.p50),
    p99_ms: per((s) => s.p99),
    backlog: per((s) => s.backlog),
    events_queue: per((s) => s.queues.events),
    scheduler_queue: per((s) => s.queues.scheduler),
    worker_queues: per((s) => s.queues.workers),
  };
}

/**
 * The checks of the overload issue, each with what was seen.
 * @returns {Array<{ name: string, pass: boolean, detail: string }>}
 */
function sustainedChecks(result) {
  const loaded = result.samples.filter((s) => s.segment !== 'drain' && s.p50 !== null);
  const published = result.samples.at(-1)?.requested_published ?? 0;
  const perExecution = result.executions === 0 ? 0 : published / result.executions;
  const checks = [
    {
      name: 'every accepted webhook ran to success',
      pass: result.succeeded === result.counts.accepted && result.counts.failed === 0,
      detail: `${result.succeeded} succeeded of ${result.counts.accepted} accepted; ${result.counts.failed} failed requests${result.first_failure ? ` (first: ${result.first_failure})` : ''}`,
    },
    {
      name: 'ExecutionRequested published at most 1.05 per execution',
      pass: perExecution <= 1.05,
      detail: `${published} for ${result.executions} executions (${round(perExecution, 3)})`,
    },
  ];
  if (result.kind === 'soak') {
    const [first, lastSample] = [loaded[0], loaded.at(-1)];
    const maxBacklog = Math.max(...result.samples.map((s) => s.backlog));
    const rate = result.segments[0].rate;
    // GC makes RSS a saw: compare the medians of the first and the second half of the run.
    const rss = loaded.map((s) => s.rss_mib);
    const half = Math.floor(rss.length / 2);
    const [early, late] = [median(rss.slice(0, half)), median(rss.slice(half))];
    checks.push(
      {
        name: 'latency in the last minute within 2× of the first',
        pass: Boolean(first && lastSample && lastSample.p50 <= 2 * first.p50),
        detail: `p50 ${first?.p50} → ${lastSample?.p50} ms, p99 ${first?.p99} → ${lastSample?.p99} ms`,
      },
      {
        name: 'backlog bounded: nothing turned away, never a second of load waiting',
        pass: result.counts.refused === 0 && maxBacklog < rate,
        detail: `max ${maxBacklog} (one second is ${rate}); slope ${slopes(result).backlog}/min; ${result.counts.refused} answered 429`,
      },
      {
        name: 'memory flat (median RSS of the second half within 10% of the first half)',
        pass: rss.length < 2 || late <= 1.1 * early,
        detail: `median RSS ${early} → ${late} MiB, max ${Math.max(...rss)}; slope ${slopes(result).rss_mib} MiB/min`,
      },
    );
  } else {
    const beforeBurst = loaded.filter((s) => s.segment === 'steady');
    const steadyP50 = Math.max(...beforeBurst.map((s) => s.p50));
    const afterBurst = result.samples.filter((s) => s.segment === 'after' || s.segment === 'drain');
    // Draining: windows after the burst that start with a backlog left.
    const draining = afterBurst.filter((s, i) =>
      i === 0 ? true : afterBurst[i - 1].backlog > 100,
    );
    const drainRate = draining.length
      ? draining.reduce((sum, s) => sum + s.finished, 0) / draining.length
      : 0;
    const lastSample = afterBurst.filter((s) => s.p50 !== null).at(-1);
    checks.push(
      {
        name: 'after the burst, the backlog drains at no less than the peak rate (±10%, the noise between two runs here)',
        pass: drainRate >= 0.9 * (result.peak ?? 0),
        detail: `${round(drainRate, 1)}/s finished while draining (${draining.length} window(s)), ${round(drainRate / (result.peak ?? 1), 2)}× the peak of ${result.peak}/s; drained ${result.drained_after_s} s after the load ended; ${result.counts.refused} webhooks answered 429`,
      },
      {
        name: 'latency back to its steady value (within 2×)',
        pass: Boolean(lastSample && lastSample.p50 <= 2 * steadyP50),
        detail: `p50 before the burst ≤ ${steadyP50} ms; last window ${lastSample?.p50} ms`,
      },
      {
        name: 'no execution offered twice',
        pass: published <= result.executions,
        detail: `${published} ExecutionRequested for ${result.executions} executions`,
      },
    );
  }
  return checks;
}

/** The end of a soak or burst run, for stdout. */
function formatSustained(result) {
  const lines = [
    `\n${result.kind}: ${result.topology.join(', ')}; settings differing from defaults: ${result.settings}`,
  ];
  lines.push(
    `  offered ${result.counts.offered}, accepted ${result.counts.accepted}, 429 ${result.counts.refused}, ` +
      `not sent (sender overrun) ${result.counts.overrun}, failed ${result.counts.failed}; ` +
      `${result.executions} executions, ${result.succeeded} succeeded`,
  );
  lines.push(`  slopes per minute under load: ${JSON.stringify(slopes(result))}`);
  lines.push(
    `  maxima: backlog ${Math.max(...result.samples.map((s) => s.backlog))}, ` +
      `p99 ${Math.max(...result.samples.map((s) => s.p99 ?? 0))} ms, ` +
      `RSS ${Math.max(...result.samples.map((s) => s.rss_mib))} MiB, ` +
      `event-loop p99 ${Math.max(...result.samples.map((s) => s.loop_p99_ms))} ms`,
  );
  lines.push('  checks:');
  for (const check of sustainedChecks(result)) {
    lines.push(`    ${check.pass ? 'PASS' : 'FAIL'}  ${check.name}: ${check.detail}`);
  }
  const noisy = Object.entries(result.log_lines).filter(([, { count }]) => count > 0);
  for (const [name, { count, first }] of noisy) {
    lines.push(
      `  ${name} logged ${count} warning/error line(s); first: ${first.join(' | ').slice(0, 300)}`,
    );
  }
  return lines.join('\n');
}

module.exports = { runSustained, formatSustained, sustainedChecks, slopes, slope };
