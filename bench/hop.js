'use strict';
// One message hop, transport against transport, at a fixed rate: publish (committed or
// confirmed) until a consumer holds it. PostgreSQL: the transport's own publish and take
// statements (from dist), woken by LISTEN/NOTIFY; RabbitMQ: amqplib with publisher confirms
// and a consumer, as the RabbitMQ transport does. No Attune handler runs: this is the cost the
// transport adds to each hop of an execution.

const { Buffer } = require('node:buffer');
const path = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');
const { performance } = require('node:perf_hooks');
const amqp = require('amqplib');
const { Client, Pool } = require('pg');
const { createDatabase, dropDatabase, randomId } = require('./infra');
const { fixedRate } = require('./load-shapes');
const { summarize } = require('./stats');

const DIST = path.join(__dirname, '..', 'dist');

/** @param {{ pgAdminUrl: string, amqpUrl: string, hopRate: number, hopSeconds: number }} config */
async function runHopPhase(config) {
  const count = config.hopRate * config.hopSeconds;
  const postgres = await pgHops(config, count);
  const rabbitmq = await rabbitHops(config, count);
  return { rate: config.hopRate, count, postgres, rabbitmq };
}

async function pgHops(config, count) {
  const { createDataSource } = require(path.join(DIST, 'database', 'data-source.js'));
  const { PUBLISH_SQL } = require(path.join(DIST, 'messaging', 'postgres', 'pg-publisher.js'));
  const { TAKE_SQL, LEASE_S } = require(
    path.join(DIST, 'messaging', 'postgres', 'pg-consumers.js'),
  );
  const database = await createDatabase(config.pgAdminUrl);
  const dataSource = createDataSource(database.url);
  const pool = new Pool({ connectionString: database.url, max: 5 });
  const relaxed = new Pool({
    connectionString: database.url,
    max: 5,
    options: '-c synchronous_commit=off',
  });
  const listener = new Client({ connectionString: database.url });
  try {
    await dataSource.initialize();
    await dataSource.runMigrations();
    await dataSource.destroy();
    await pool.query(
      `INSERT INTO mq_queue (name, durable, exclusive, auto_delete) VALUES ('hop.q', true, false, false)`,
    );
    await pool.query(
      `INSERT INTO mq_binding (exchange, routing_key, queue) VALUES ('hop.x', 'k', 'hop.q')`,
    );
    await listener.connect();
    await listener.query('LISTEN attune_mq');
    const latencies = [];
    let taking = false;
    let again = false;
    const take = async () => {
      if (taking) return void (again = true);
      taking = true;
      do {
        again = false;
        const { rows } = await relaxed.query({
          name: 'take',
          text: TAKE_SQL,
          values: ['hop.q', 50, LEASE_S],
        });
        const now = performance.now();
        for (const row of rows) latencies.push(now - Number(row.body.toString()));
        if (rows.length) {
          await relaxed.query('DELETE FROM mq_message WHERE id = ANY($1::bigint[])', [
            rows.map((r) => r.id),
          ]);
        }
      } while (again);
      taking = false;
    };
    listener.on('notification', () => void take());
    await fixedRate({
      count,
      rate: config.hopRate,
      send: () =>
        pool.query({
          name: 'publish',
          text: PUBLISH_SQL,
          values: [[0], ['hop.x'], ['k'], [Buffer.from(String(performance.now()))], ['{}'], [null]],
        }),
    });
    while (latencies.length < count) await sleep(20);
    return summarize(latencies);
  } finally {
    await listener.end().catch(() => {});
    await pool.end().catch(() => {});
    await relaxed.end().catch(() => {});
    await dropDatabase(config.pgAdminUrl, database.name);
  }
}

async function rabbitHops(config, count) {
  const connection = await amqp.connect(config.amqpUrl, { noDelay: true });
  const queue = `attune-bench-hop-${randomId()}`;
  try {
    const publisher = await connection.createConfirmChannel();
    const consumer = await connection.createChannel();
    await consumer.assertQueue(queue, { durable: true });
    await consumer.prefetch(50);
    const latencies = [];
    await consumer.consume(queue, (msg) => {
      if (!msg) return; // cancelled: the queue is being deleted
      latencies.push(performance.now() - Number(msg.content.toString()));
      consumer.ack(msg);
    });
    await fixedRate({
      count,
      rate: config.hopRate,
      send: () =>
        new Promise((resolve, reject) =>
          publisher.sendToQueue(
            queue,
            Buffer.from(String(performance.now())),
            { persistent: true },
            (error) => (error ? reject(error) : resolve()),
          ),
        ),
    });
    while (latencies.length < count) await sleep(20);
    await consumer.deleteQueue(queue);
    return summarize(latencies);
  } finally {
    await connection.close().catch(() => {});
  }
}

module.exports = { runHopPhase };
