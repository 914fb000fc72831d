import { loadConfig } from '../config/app-config';
import { loadEnvFile } from '../config/env-file';
import { createDataSource } from './data-source';

loadEnvFile();
const { database } = loadConfig();
if (database.url === undefined) {
  // The embedded database is migrated by the app itself when it starts.
  throw new Error('npm run migrate needs DATABASE_URL (the embedded database migrates on start)');
}

/** For the typeorm CLI (`npm run migrate`): the app's own DATABASE_URL and migrations. */
export default createDataSource(database.url);
