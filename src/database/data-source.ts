import { DataSource } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

/** Pool size: enough for every consumer's prefetch to keep statements in flight. */
const POOL_SIZE = 20;

export function createDataSource(url: string): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsTransactionMode: 'each',
    extra: { max: POOL_SIZE, connectionTimeoutMillis: 5000 },
  });
}
