'use strict';
// Commits and row writes in one database (pg_stat_database), to count the work per execution.
// PostgreSQL flushes a backend's counters at most once a second and when it exits, so read the
// "after" side once the processes that did the work have closed their connections.

const { Client } = require('pg');

/** @typedef {{ commits: number, inserted: number, updated: number, deleted: number }} PgActivity */

/** @returns {Promise<PgActivity>} */
async function readPgActivity(databaseUrl) {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT xact_commit::float8 AS commits, tup_inserted::float8 AS inserted,
              tup_updated::float8 AS updated, tup_deleted::float8 AS deleted
         FROM pg_stat_database WHERE datname = current_database()`,
    );
    return rows[0];
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Per-execution work between two readings.
 * @param {PgActivity} before
 * @param {PgActivity} after
 * @param {number} executions
 * @param {number} ownQueries statements the bench itself ran in between (its polls, this read)
 */
function perExecution(before, after, executions, ownQueries = 0) {
  const per = (key, minus = 0) =>
    Math.round(((after[key] - before[key] - minus) / executions) * 100) / 100;
  return {
    commits: per('commits', ownQueries),
    rows_inserted: per('inserted'),
    rows_updated: per('updated'),
    rows_deleted: per('deleted'),
  };
}

module.exports = { readPgActivity, perExecution };
