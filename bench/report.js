'use strict';
// The printed report (one table, then memory, CPU, stages, checks) and the JSON results file.

const { writeFileSync, copyFileSync } = require('node:fs');
const { summarize, round } = require('./stats');
const { formatWorkflow, workflowChecks } = require('./workflow');

/** @param {string[][]} rows first row is the header; numbers right-aligned */
function table(rows) {
  const widths = rows[0].map((_, col) => Math.max(...rows.map((row) => String(row[col]).length)));
  const line = (row) =>
    row
      .map((cell, col) =>
        /^[\d.,×x —%-]+$/.test(String(cell)) && col > 0
          ? String(cell).padStart(widths[col])
          : String(cell).padEnd(widths[col]),
      )
      .join('  ')
      .trimEnd();
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)]
    .map((text) => `  ${text}`)
    .join('\n');
}

const fixed = (value, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '—');

const PROGRAMS = [
  { kind: 'baseline', run: 'baseline-rate', name: 'baseline' },
  { kind: 'attune', run: 'allinone-rate', name: 'attune all-in-one' },
  { kind: 'attune', run: 'pg-allinone-rate', name: 'attune all-in-one, PostgreSQL transport' },
];

/**
 * Each program's fixed-rate runs as one row, their latencies pooled: the p99 of all of them,
 * not of one draw (on a shared machine one stall on either side decides a single run's p99).
 */
function pooledFixedRate(results) {
  return PROGRAMS.flatMap(({ kind, run, name }) => {
    const runs = results.filter(
      (result) =>
        result.kind === kind &&
        result.offered_rate !== null &&
        (result.run === run || result.run.startsWith(`${run}-`)),
    );
    if (runs.length === 0) return [];
    const mean = (read) => round(runs.reduce((total, r) => total + read(r), 0) / runs.length, 1);
    const latencies = runs.flatMap((result) => result.latencies_ms);
    return [
      {
        title: `${name} @ ${runs[0].offered_rate}/s${runs.length > 1 ? ` (${runs.length} runs)` : ''}`,
        run,
        kind,
        offered_rate: runs[0].offered_rate,
        processes: runs[0].processes,
        executions: latencies.length,
        per_second: mean((r) => r.per_second),
        client_per_second: mean((r) => r.client_per_second ?? r.per_second),
        latency: summarize(latencies),
        latencies_ms: latencies,
        runs: runs.map((result) => ({ title: result.title, latency: result.latency })),
      },
    ];
  });
}

/** What the table shows and the checks read: peak runs as they are, fixed-rate runs pooled. */
function tableRows(results) {
  return [...results.filter((result) => result.offered_rate === null), ...pooledFixedRate(results)];
}

/** Finds the baseline a result is compared with: peak with peak, fixed rate with fixed rate. */
function baselineFor(result, results) {
  return results.find(
    (other) =>
      other.kind === 'baseline' && (other.offered_rate === null) === (result.offered_rate === null),
  );
}

/** "0.42× exec/s" for peak runs, "p99 1.8×" for fixed-rate runs. */
function ratio(result, results) {
  if (result.kind === 'baseline') return '1.00 (ref)';
  const baseline = baselineFor(result, results);
  if (!baseline) return '—';
  if (result.offered_rate === null)
    return `${fixed(result.per_second / baseline.per_second, 2)}× exec/s`;
  return `p99 ${fixed(result.latency.p99 / baseline.latency.p99, 2)}×`;
}

/** The acceptance checks of the issue, for what was run. */
function checks(results) {
  const byRun = Object.fromEntries(tableRows(results).map((result) => [result.run, result]));
  const out = [];
  const { baseline, allinone } = byRun;
  if (baseline && allinone) {
    const share = allinone.per_second / baseline.per_second;
    out.push({
      check: 'all-in-one throughput >= 35% of the baseline',
      pass: share >= 0.35,
      value: `${fixed(share * 100)}% (${allinone.per_second} vs ${baseline.per_second} exec/s)`,
    });
  }
  const attuneRate = byRun['allinone-rate'];
  const baselineRate = byRun['baseline-rate'];
  if (attuneRate) {
    out.push({
      check: `all-in-one p50 < 25 ms at ${attuneRate.offered_rate}/s`,
      pass: attuneRate.latency.p50 < 25,
      value: `${attuneRate.latency.p50} ms`,
    });
  }
  if (attuneRate && baselineRate) {
    const factor = attuneRate.latency.p99 / baselineRate.latency.p99;
    out.push({
      check: `all-in-one p99 <= 3x the baseline's p99 at ${attuneRate.offered_rate}/s`,
      pass: factor <= 3,
      value: `${fixed(factor, 2)}x (${attuneRate.latency.p99} vs ${baselineRate.latency.p99} ms)`,
    });
  }
  const pgPeak = byRun['pg-allinone'];
  if (pgPeak && allinone) {
    const share = pgPeak.per_second / allinone.per_second;
    out.push({
      check: 'PostgreSQL transport all-in-one throughput >= 50% of RabbitMQ all-in-one',
      pass: share >= 0.5,
      value: `${fixed(share * 100)}% (${pgPeak.per_second} vs ${allinone.per_second} exec/s)`,
    });
  }
  for (const workflow of results.filter((result) => result.kind === 'workflow')) {
    out.push(...workflowChecks(workflow));
  }
  const hop = results.find((result) => result.kind === 'hop');
  if (hop) {
    out.push({
      check: `PostgreSQL transport p50 per hop < 5 ms at ${hop.rate}/s`,
      pass: hop.postgres.p50 < 5,
      value: `${hop.postgres.p50} ms, p99 ${hop.postgres.p99} ms (RabbitMQ in the same run: p50 ${hop.rabbitmq.p50} ms, p99 ${hop.rabbitmq.p99} ms; ${fixed(hop.postgres.p50 / hop.rabbitmq.p50, 2)}×)`,
    });
  }
  const pgRate = byRun['pg-allinone-rate'];
  if (pgRate) {
    // Reported, not checked: two hops plus the handlers' own statements (see the hop row).
    out.push({
      check: `PostgreSQL transport all-in-one at ${pgRate.offered_rate}/s (half its peak): webhook to finished`,
      pass: true,
      value: `p50 ${pgRate.latency.p50} ms, p99 ${pgRate.latency.p99} ms`,
    });
  }
  return out;
}

/** @param {{ results: any[], profiles: string[], files: Record<string, string>, config: any }} report */
function formatReport({ results, profiles, files, config }) {
  const sections = [];
  sections.push(
    `Attune benchmark: ${config.n} executions per peak run, ${config.concurrency} webhooks in ` +
      `flight, ${config.warmup} warm-up executions per run (not counted)`,
  );
  const rows = tableRows(results);
  sections.push(
    table([
      [
        'run',
        'procs',
        'executions',
        'exec/s',
        'wall exec/s',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'ratio vs baseline',
      ],
      ...rows.map((result) => [
        result.title,
        String(result.processes),
        String(result.executions),
        fixed(result.per_second),
        fixed(result.client_per_second ?? result.per_second),
        fixed(result.latency.p50, 2),
        fixed(result.latency.p95, 2),
        fixed(result.latency.p99, 2),
        ratio(result, rows),
      ]),
    ]),
  );
  sections.push(
    '  exec/s: executions / (last finished − first accepted), from the rows (baseline: first ' +
      'publish → last completion consumed).\n  wall exec/s: client side, first webhook sent → ' +
      'last success seen by the 200 ms poll.\n  latency: Attune event.created_at → ' +
      'execution.finished_at; baseline request published → completion consumed.\n  ' +
      'fixed rate: the runs of each program pooled; they take turns (see the runs below).',
  );
  const runsOf = (run) => rows.find((row) => row.run === run)?.runs;
  const [baselineRuns, attuneRuns] = [runsOf('baseline-rate'), runsOf('allinone-rate')];
  if (attuneRuns?.length > 1 && baselineRuns) {
    sections.push(
      'Fixed-rate runs one by one (p50 / p99 ms)\n' +
        attuneRuns
          .map((attune, i) => {
            const baseline = baselineRuns[i];
            const versus = baseline
              ? `baseline ${fixed(baseline.latency.p50, 2)} / ${fixed(baseline.latency.p99, 2)}, `
              : '';
            const factor = baseline
              ? ` (p99 ${fixed(attune.latency.p99 / baseline.latency.p99, 2)}×)`
              : '';
            return `  #${i + 1}: ${versus}attune ${fixed(attune.latency.p50, 2)} / ${fixed(attune.latency.p99, 2)}${factor}`;
          })
          .join('\n'),
    );
  }

  const verdicts = checks(results);
  if (verdicts.length > 0) {
    sections.push(
      'Checks\n' +
        verdicts.map((v) => `  ${v.pass ? 'PASS' : 'FAIL'}  ${v.check}: ${v.value}`).join('\n'),
    );
  }

  sections.push(
    'Peak RSS per process (MiB)\n' +
      results
        .flatMap((result) =>
          Object.entries(result.rss_mib ?? {}).map(
            ([name, mib]) => `  ${fixed(mib).padStart(7)}  ${name}`,
          ),
        )
        .join('\n'),
  );

  sections.push(
    'CPU during each measured run: % of one core (2 cores = 200%) and CPU ms per execution;\n' +
      '"other" is work on the machine that is not the bench (other tests, builds)\n' +
      results
        .filter((result) => result.cpu)
        .map((result) => {
          const msPerExecution = (percent) =>
            (percent / 100) *
            result.cpu.seconds *
            (1000 / (result.executions_in_cpu_window ?? result.executions));
          const parts = Object.entries(result.cpu.percentOfOneCore)
            .sort((a, b) => b[1] - a[1])
            .map(([name, percent]) =>
              name === 'other'
                ? `${name} ${fixed(percent, 0)}%`
                : `${name} ${fixed(percent, 0)}% (${fixed(msPerExecution(percent), 2)} ms)`,
            );
          return `  ${result.title}: ${parts.join(', ')} (machine ${fixed(result.cpu.machineBusy, 0)}% busy)`;
        })
        .join('\n'),
  );

  /** A section over the results that carry `key`: the heading, then each one's lines. */
  const perResult = (heading, key, lines) => {
    const having = results.filter((result) => result[key]);
    if (having.length > 0) sections.push(`${heading}\n${having.flatMap(lines).join('\n')}`);
  };
  const msPair = (s) => `${fixed(s.p50, 2).padStart(8)} / ${fixed(s.p99, 2).padStart(8)}`;

  perResult(
    "PostgreSQL work per execution (pg_stat_database of the run's own database)",
    'postgresql_per_execution',
    ({ title, postgresql_per_execution: pg }) =>
      `  ${title}: ${pg.commits} commits, ${pg.rows_inserted} rows inserted, ${pg.rows_updated} updated, ${pg.rows_deleted} deleted`,
  );
  perResult(
    'Attune latency by stage (p50 / p99 ms) and webhook 202 time seen by the client',
    'stages',
    (result) => [
      `  ${result.title}`,
      ...Object.entries(result.stages).map(([stage, s]) => `    ${msPair(s)}  ${stage}`),
      `    ${msPair(result.webhook_accept)}  POST webhook → 202 (client)`,
    ],
  );
  perResult(
    'Event-loop delay of each Attune process during the measured run (p50 / p99 / max ms;\n' +
      'how late a 10 ms timer fired)',
    'event_loop_delay_ms',
    (result) =>
      Object.entries(result.event_loop_delay_ms).map(
        ([name, lag]) =>
          `  ${name}: ${fixed(lag.p50_ms, 1)} / ${fixed(lag.p99_ms, 1)} / ${fixed(lag.max_ms, 1)}`,
      ),
  );
  perResult(
    'Lead-in: the first seconds of each fixed-rate stream, at the same rate, left out of the ' +
      'table\n(the load starts after a pause; CPU and PostgreSQL figures above include them)',
    'lead_in',
    ({ title, lead_in: leadIn }) =>
      `  ${title}: ${leadIn.executions} executions, p50 ${fixed(leadIn.latency.p50, 2)} ms, ` +
      `p99 ${fixed(leadIn.latency.p99, 2)} ms`,
  );

  for (const workflow of results.filter((result) => result.kind === 'workflow')) {
    sections.push(formatWorkflow(workflow));
  }

  const noisy = results.flatMap((result) =>
    Object.entries(result.log_lines ?? {})
      .filter(([, log]) => log.count > 0)
      .map(
        ([name, log]) =>
          `  ${name}: ${log.count} warning/error lines, first: ${log.first[0]?.slice(0, 300)}`,
      ),
  );
  if (noisy.length > 0) sections.push(`Attune logged warnings or errors\n${noisy.join('\n')}`);

  if (profiles.length > 0) sections.push(profiles.join('\n\n'));

  sections.push(
    `Written\n${Object.entries(files)
      .map(([what, file]) => `  ${what}: ${file}`)
      .join('\n')}`,
  );
  return sections.join('\n\n');
}

function writeJson(file, latestFile, data) {
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  copyFileSync(file, latestFile);
}

module.exports = { formatReport, writeJson, checks, tableRows, pooledFixedRate };
