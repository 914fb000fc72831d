'use strict';
// Throwaway databases and broker objects for one run, and the clean-up stack that removes them
// even when a run fails or the user presses Ctrl-C.

const { execFile } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { setTimeout: sleep } = require('node:timers/promises');
const { promisify } = require('node:util');
const { URL } = require('node:url');
const amqp = require('amqplib');
const { Client } = require('pg');

const execFileAsync = promisify(execFile);

/** A short random suffix for database names and MQ prefixes. */
function randomId() {
  return randomBytes(4).toString('hex');
}

async function withAdmin(adminUrl, fn) {
  const client = new Client({ connectionString: adminUrl });
  await client.connect().catch((error) => {
    throw new Error(`cannot reach PostgreSQL at ${adminUrl}: ${error.message}`, { cause: error });
  });
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** CREATE DATABASE attune_bench_<random>; returns its name and URL. */
async function createDatabase(adminUrl) {
  const name = `attune_bench_${randomId()}`;
  await withAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

async function dropDatabase(adminUrl, name) {
  await withAdmin(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

/** Queue names starting with `<prefix>.` (rabbitmqctl sees worker queues we cannot name). */
async function listQueues(prefix) {
  const { stdout } = await execFileAsync('rabbitmqctl', ['-q', 'list_queues', 'name'], {
    timeout: 30_000,
  });
  return stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((name) => name.startsWith(`${prefix}.`));
}

/**
 * Deletes every queue named `<prefix>.*` plus the given exchanges. A delete of a missing object
 * is fine; a failed one is retried once on a new channel, and the rest still goes.
 * @param {string} amqpUrl
 * @param {string} prefix
 * @param {{ queues?: string[], exchanges?: string[] }} known names to delete even when listing fails
 */
async function deleteBrokerObjects(amqpUrl, prefix, known = {}) {
  let queues = known.queues ?? [];
  let listError;
  try {
    queues = [...new Set([...queues, ...(await listQueues(prefix))])];
  } catch (error) {
    listError = error;
  }
  const connection = await amqp.connect(amqpUrl, { noDelay: true });
  /** @type {string[]} */
  const failures = [];
  try {
    let channel = await connection.createChannel();
    // A failed delete closes the channel: open a new one and try once more (an exclusive
    // queue, say, is released a moment after its owner's connection closed).
    const attempt = async (what, fn) => {
      for (let tries = 1; ; tries++) {
        try {
          return await fn(channel);
        } catch (error) {
          channel = await connection.createChannel();
          if (tries === 2) return failures.push(`${what}: ${error.message}`);
          await sleep(500);
        }
      }
    };
    for (const queue of queues) await attempt(queue, (ch) => ch.deleteQueue(queue));
    for (const exchange of known.exchanges ?? []) {
      await attempt(exchange, (ch) => ch.deleteExchange(exchange));
    }
    await channel.close().catch(() => {});
  } finally {
    await connection.close().catch(() => {});
  }
  if (listError) {
    failures.push(
      `queues named '${prefix}.*' that rabbitmqctl could not list (${listError.message})`,
    );
  }
  if (failures.length > 0) throw new Error(`could not delete ${failures.join('; ')}`);
  return queues.length;
}

/** The exchanges an Attune MQ_PREFIX owns (docs/architecture.md, topology). */
function attuneExchanges(prefix) {
  return ['events', 'executions', 'notifications', 'dlx'].map((name) => `${prefix}.${name}`);
}

/**
 * Clean-up actions run last-in first-out, once, whether the run ends well, fails or is
 * interrupted. Failures are reported, never thrown: clean-up must not hide the real error.
 */
class Cleanup {
  constructor() {
    /** @type {Array<{ label: string, fn: () => Promise<unknown>, done?: Promise<void> }>} */
    this.stack = [];
    /** @type {Set<Promise<void>>} */
    this.running = new Set();
  }

  /** Registers fn; returns a function that runs it now (or waits for it if already running). */
  add(label, fn) {
    const entry = { label, fn };
    this.stack.push(entry);
    return () => this.runOne(entry);
  }

  /** Runs an entry once; later callers wait for that same run. */
  runOne(entry) {
    if (!entry.done) {
      const index = this.stack.indexOf(entry);
      if (index !== -1) this.stack.splice(index, 1);
      entry.done = entry.fn().then(
        () => {},
        (error) => {
          process.stderr.write(`bench: clean-up '${entry.label}' failed: ${error.message}\n`);
        },
      );
      this.running.add(entry.done);
    }
    return entry.done;
  }

  /** Runs everything not run yet, newest first, and waits for what is still running. */
  async runAll() {
    while (this.stack.length > 0) await this.runOne(/** @type {any} */ (this.stack.at(-1)));
    await Promise.all(this.running);
  }
}

module.exports = {
  listQueues,
  randomId,
  createDatabase,
  dropDatabase,
  deleteBrokerObjects,
  attuneExchanges,
  Cleanup,
};
