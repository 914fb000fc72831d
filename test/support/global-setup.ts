import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import * as amqp from 'amqplib';
import { AMQP_URL, PG_ADMIN_URL } from './env';

/** Fails fast, with the reason, when the suites cannot possibly run. */
export default async function globalSetup(): Promise<void> {
  if (!existsSync(join(__dirname, '..', '..', 'dist', 'main.js'))) {
    throw new Error('dist/main.js is missing: run `npm run build` (npm test does it for you)');
  }
  const client = new Client({ connectionString: PG_ADMIN_URL });
  await client.connect().catch((error: Error) => {
    throw new Error(`PostgreSQL is not reachable at ${PG_ADMIN_URL}: ${error.message}`);
  });
  await client.end();
  const connection = await amqp.connect(AMQP_URL).catch((error: Error) => {
    throw new Error(`RabbitMQ is not reachable at ${AMQP_URL}: ${error.message}`);
  });
  await connection.close();
}
