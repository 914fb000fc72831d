import { AppConfig } from '../config/app-config';
import { EmbeddedPostgres } from '../database/embedded-postgres';

/**
 * Runs a command against the app's database: DATABASE_URL; unset, the embedded database of the
 * Attune process running in ATTUNE_DATA_DIR, or, when none runs, one started there for the
 * command and stopped after it.
 */
export async function withDatabase<T>(
  config: AppConfig,
  command: (config: AppConfig) => Promise<T>,
): Promise<T> {
  if (config.database.url !== undefined) return command(config);
  const on = (url: string) => ({ ...config, database: { ...config.database, url } });
  const running = EmbeddedPostgres.urlOfRunning(config.dataDir);
  if (running !== undefined) return command(on(running));
  const server = await EmbeddedPostgres.start(config.dataDir, () => undefined);
  try {
    return await command(on(server.url));
  } finally {
    await server.stop();
  }
}
