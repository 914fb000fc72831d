'use strict';
// What the bench reads from an Attune database: progress (polled every 200 ms while load is
// offered, failing fast on failures, dead processes or a stall) and, at the end, the latency of
// every execution and of each of its stages.

const { setTimeout: sleep } = require('node:timers/promises');
const { startProgress } = require('./progress');
const { summarize } = require('./stats');

const FAILED_LIST = `'failed', 'timeout', 'canceled', 'abandoned'`;
const FAILED_STATES = `(${FAILED_LIST})`;
const SETTLE_MARGIN = '5 seconds';
const POLL_MS = 200;

/**
 * Runs `send` while polling the execution table every 200 ms until `count` more executions
 * succeeded. Fails on the first failed execution or enforcement, a dead process, or a stall.
 * With `since` (a Date), only rows created from then on are looked at (a database with a long
 * history: the polls read the run's rows through the created_at index).
 *
 * A poll reads only the rows not yet settled: those created before the oldest unfinished one
 * (less SETTLE_MARGIN, for a transaction that commits a row a little after its created_at) are
 * counted once and not read again. Reading the whole run at every poll made the bench's own
 * reads grow with the run: in a 20-minute run they took half the machine by the end.
 */
async function drive(label, count, { db, children, stallMs, state, since }, send) {
  const base = state.succeeded;
  state.sent = 0;
  const stop = startProgress(label, () => ({
    sent: state.sent,
    finished: state.succeeded - base,
    total: count,
  }));
  try {
    const sending = send().catch((error) => {
      state.failure ??= error;
    });
    let lastChange = Date.now();
    let settledFrom = since ?? new Date(0);
    let settledOk = 0;
    for (;;) {
      if (state.failure) throw state.failure;
      const { rows } = await db.query(
        `WITH run AS (SELECT created_at, status FROM execution WHERE created_at >= $1),
              unsettled AS (
                SELECT coalesce(min(created_at), statement_timestamp()) - interval '${SETTLE_MARGIN}'
                         AS before
                  FROM run WHERE status NOT IN ('succeeded', ${FAILED_LIST})
              )
         SELECT count(*) FILTER (WHERE status = 'succeeded')::int AS ok,
                count(*) FILTER (WHERE status = 'succeeded'
                                   AND created_at < (SELECT before FROM unsettled))::int AS settled,
                -- As text: a Date would drop the microseconds, and rows would be counted twice.
                greatest((SELECT before FROM unsettled), $1)::text AS settled_to,
                count(*) FILTER (WHERE status IN (${FAILED_LIST}))::int AS bad,
                (SELECT count(*)::int FROM enforcement
                  WHERE status = 'failed' AND created_at >= $1) AS bad_rules
           FROM run`,
        [settledFrom],
      );
      state.polls++;
      const { bad, bad_rules: badRules } = rows[0];
      const ok = settledOk + rows[0].ok;
      settledOk += rows[0].settled;
      settledFrom = rows[0].settled_to;
      if (bad > 0 || badRules > 0) throw new Error(await describeFailures(db, children));
      if (ok !== state.succeeded) lastChange = Date.now();
      state.succeeded = ok;
      if (ok >= base + count) break;
      const dead = children.find((child) => !child.running);
      if (dead) throw new Error(`${dead.name} exited during the run:\n${dead.tail()}`);
      if (Date.now() - lastChange > stallMs) {
        throw new Error(
          `stalled: ${ok - base}/${count} executions succeeded (${state.sent} webhooks sent), ` +
            `none for ${stallMs / 1000} s\n${tails(children)}`,
        );
      }
      await sleep(POLL_MS);
    }
    const result = await sending;
    if (state.failure) throw state.failure;
    return result;
  } finally {
    stop();
  }
}

async function describeFailures(db, children) {
  const { rows } = await db.query(
    `SELECT id, status, error FROM execution WHERE status IN ${FAILED_STATES} LIMIT 5`,
  );
  const { rows: rules } = await db.query(
    `SELECT rule_ref, error FROM enforcement WHERE status = 'failed' LIMIT 3`,
  );
  const lines = [
    ...rows.map((row) => `execution ${row.id} ${row.status}: ${row.error}`),
    ...rules.map((row) => `enforcement of ${row.rule_ref} failed: ${row.error}`),
  ];
  return `Attune reported failures:\n  ${lines.join('\n  ')}\n${tails(children)}`;
}

function tails(children) {
  return children
    .map((child) => `--- ${child.name} (log: ${child.logFile})\n${child.tail(10)}`)
    .join('\n');
}

/** Per-execution latency and its stages, warm-up and lead-in events left out (lead-in apart). */
async function readLatencies(db, since = new Date(0)) {
  const { rows: all } = await db.query(
    `SELECT e.payload->>'warmup' AS warmup,
            extract(epoch FROM x.finished_at - e.created_at) * 1000 AS total,
            extract(epoch FROM x.created_at - e.created_at) * 1000 AS enforced,
            extract(epoch FROM x.scheduled_at - x.created_at) * 1000 AS scheduled,
            extract(epoch FROM x.started_at - x.scheduled_at) * 1000 AS started,
            extract(epoch FROM x.finished_at - x.started_at) * 1000 AS finished,
            extract(epoch FROM e.created_at) * 1000 AS accepted_at,
            extract(epoch FROM x.finished_at) * 1000 AS finished_at
       FROM execution x
       JOIN enforcement f ON f.id = x.enforcement_id
       JOIN event e ON e.id = f.event_id
      WHERE x.status = 'succeeded' AND e.payload->>'warmup' IS DISTINCT FROM 'true'
        AND x.created_at >= $1`,
    [since],
  );
  const rows = all.filter((row) => row.warmup === null);
  const leadIn = all.filter((row) => row.warmup === 'lead-in').map((row) => Number(row.total));
  const column = (name) =>
    rows
      .map((row) => row[name])
      .filter((v) => v !== null)
      .map(Number);
  const firstAccepted = column('accepted_at').reduce((a, b) => Math.min(a, b), Infinity);
  const lastFinished = column('finished_at').reduce((a, b) => Math.max(a, b), -Infinity);
  const elapsedMs = lastFinished - firstAccepted;
  return {
    count: rows.length,
    total: column('total'),
    leadIn,
    elapsedMs: Math.round(elapsedMs),
    perSecond: Math.round((rows.length / elapsedMs) * 1000 * 10) / 10,
    stages: {
      'event accepted → execution row (enforcement)': summarize(column('enforced')),
      'requested → scheduled (scheduler)': summarize(column('scheduled')),
      'scheduled → running (worker picks up)': summarize(column('started')),
      'running → succeeded (action, status update)': summarize(column('finished')),
    },
  };
}

module.exports = { drive, readLatencies };
