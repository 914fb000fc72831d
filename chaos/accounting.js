'use strict';
// What became of every webhook the system accepted, read from the rows and the dead-letter
// queues once the run has drained.

const amqp = require('amqplib');
const { rabbitmqctl } = require('./faults');

const TERMINAL = ['succeeded', 'failed', 'timeout', 'canceled', 'abandoned'];

/**
 * @param {import('pg').Client} db
 * @param {string[]} acceptedIds event ids answered 202
 * @param {string[]} rules the rule refs each event fires
 */
async function account(db, acceptedIds, rules) {
  const { rows } = await db.query(
    `SELECT a.id AS event_id, (e.id IS NOT NULL) AS stored, en.rule_ref, x.id AS execution_id,
            x.status, x.attempt
       FROM unnest($1::uuid[]) AS a(id)
       LEFT JOIN event e ON e.id = a.id
       LEFT JOIN enforcement en ON en.event_id = a.id
       LEFT JOIN execution x ON x.enforcement_id = en.id`,
    [acceptedIds],
  );
  const byEvent = new Map();
  for (const row of rows) {
    const entry = byEvent.get(row.event_id) ?? { stored: row.stored, executions: [] };
    if (row.execution_id) entry.executions.push(row);
    byEvent.set(row.event_id, entry);
  }
  const report = {
    accepted: acceptedIds.length,
    stored: 0,
    lost: /** @type {string[]} */ ([]),
    duplicated: /** @type {string[]} */ ([]),
    stuck: /** @type {string[]} */ ([]),
    statuses: /** @type {Record<string, number>} */ ({}),
    executions: 0,
    retriedAttempts: 0,
  };
  for (const [eventId, entry] of byEvent) {
    if (entry.stored) report.stored++;
    for (const rule of rules) {
      const runs = entry.executions.filter((x) => x.rule_ref === rule);
      if (runs.length === 0) report.lost.push(`${eventId} (${rule})`);
      if (runs.length > 1) report.duplicated.push(`${eventId} (${rule}) ×${runs.length}`);
    }
    for (const x of entry.executions) {
      report.executions++;
      report.statuses[x.status] = (report.statuses[x.status] ?? 0) + 1;
      if (!TERMINAL.includes(x.status)) report.stuck.push(`${x.execution_id} ${x.status}`);
      if (x.attempt > 1) report.retriedAttempts++;
    }
  }
  const { rows: extra } = await db.query(
    'SELECT count(*)::int AS n FROM event WHERE NOT (id = ANY($1::uuid[]))',
    [acceptedIds],
  );
  return { ...report, eventsNotAnswered: extra[0].n };
}

/** Messages left in the run's dead-letter queues, by queue, reason and type. */
async function deadLetters(amqpUrl, prefix) {
  const out = await rabbitmqctl('list_queues', '--no-table-headers', 'name', 'messages');
  const queues = out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(
      ([name, count]) =>
        name?.startsWith(`${prefix}.`) && /\.(dlq|parked)$/.test(name) && Number(count) > 0,
    );
  /** @type {Record<string, number>} */
  const summary = {};
  if (queues.length === 0) return summary;
  const connection = await amqp.connect(amqpUrl);
  try {
    const channel = await connection.createChannel();
    for (const [queue] of queues) {
      const held = [];
      for (;;) {
        const message = await channel.get(queue, { noAck: false });
        if (!message) break;
        held.push(message);
        const headers = message.properties.headers ?? {};
        const death = (headers['x-death'] ?? [])[0];
        const reason = headers['x-dead-letter-reason'] ?? death?.reason ?? '?';
        const key = `${queue}: ${message.properties.type ?? '?'} ${reason}${headers['x-error'] ? ` (${String(headers['x-error']).slice(0, 120)})` : ''}`;
        summary[key] = (summary[key] ?? 0) + 1;
      }
      for (const message of held) channel.nack(message, false, true);
    }
    await channel.close();
  } finally {
    await connection.close();
  }
  return summary;
}

module.exports = { account, deadLetters };
