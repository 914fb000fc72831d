// Jest setup file of the `on-postgres` project: every process those suites start uses the
// PostgreSQL transport (test/support/env.ts reads this).
process.env.TEST_TRANSPORT = 'postgres';
