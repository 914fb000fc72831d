/** Where the test suites find PostgreSQL and RabbitMQ (the same defaults as the app). */
export const PG_ADMIN_URL =
  process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/**
 * The transport the suites run on: RabbitMQ, or PostgreSQL when TEST_TRANSPORT=postgres (the
 * `on-postgres` jest project sets it, so the same suites run on both).
 */
export const TEST_TRANSPORT: 'rabbitmq' | 'postgres' =
  process.env.TEST_TRANSPORT === 'postgres' ? 'postgres' : 'rabbitmq';

/** What every process the suites start is told about its transport. */
export function transportEnv(): Record<string, string> {
  return TEST_TRANSPORT === 'postgres'
    ? { MQ_TRANSPORT: 'postgres' }
    : { MQ_TRANSPORT: 'rabbitmq', AMQP_URL };
}

/**
 * Every Attune process the suites start gets these (ATTUNE_ADMIN_KEY, ATTUNE_SECRET_KEY), and the
 * request helpers send the admin key unless a test sends its own Authorization header.
 */
export const TEST_ADMIN_KEY = `atn_${'test-admin-key-'.repeat(3)}`;
export const TEST_SECRET_KEY = Buffer.alloc(32, 7).toString('base64');
export const ADMIN_AUTH = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

/**
 * `headers` with the admin key added, unless they carry an Authorization of their own; an empty
 * one means none at all.
 */
export function withAdminKey(headers: Record<string, string> = {}): Record<string, string> {
  const own = Object.keys(headers).find((name) => name.toLowerCase() === 'authorization');
  if (own === undefined) return { ...ADMIN_AUTH, ...headers };
  if (headers[own] !== '') return headers;
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name !== own));
}
