import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from './migrations';

/** Pool size: enough for every consumer's prefetch to keep statements in flight. */
const POOL_SIZE = 20;
/**
 * Prepared statements live on their connection: closing idle connections after pg's default
 * 10 s means every lull is followed by reconnecting and re-preparing each statement, which
 * showed as a second or two of slow executions after a pause (npm run bench).
 */
const IDLE_CONNECTION_MS = 300_000;

/**
 * A pooled connection that never throws an 'error' event nobody listens to. When PostgreSQL
 * restarts, a checked-out connection can emit 'error' twice (the server's FATAL, then the socket
 * closing); TypeORM's query runner stops listening after the first, and Node ends the process on
 * the second (seen in `npm run chaos`). The error still reaches whoever runs a statement on it.
 */
class ResilientClient extends Client {
  constructor(...args: ConstructorParameters<typeof Client>) {
    super(...args);
    this.on('error', () => {});
  }
}

/**
 * TypeORM owns the connection pool, transactions and migrations; the stores hold the SQL
 * (no entities: the schema is the migrations, rows are the stores' interfaces; decision 011).
 */
export function createDataSource(url: string): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsTransactionMode: 'each',
    extra: {
      max: POOL_SIZE,
      idleTimeoutMillis: IDLE_CONNECTION_MS,
      connectionTimeoutMillis: 5000,
      Client: ResilientClient,
    },
  });
}
