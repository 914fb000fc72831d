import 'reflect-metadata';
import { AddressInfo } from 'node:net';
import { INestApplication, Logger } from '@nestjs/common';
import pino from 'pino';
import { AppConfig, InvalidConfigError, loadConfig } from './config/app-config';
import { loadEnvFile } from './config/env-file';
import { EmbeddedPostgres } from './database/embedded-postgres';
import { pinoOptions } from './logging/logging.module';
import { startApp } from './app';

/**
 * A promise nobody awaited failed: a bug, but one that must not end a process that could carry
 * on (Node would exit). Logged loudly; the test suites fail on any such line.
 */
function reportUnhandledRejections(): void {
  const logger = new Logger('Process');
  process.on('unhandledRejection', (reason) => {
    const error = reason instanceof Error ? reason : new Error(String(reason));
    logger.error(`unhandled rejection: ${error.message}`, error.stack);
  });
}

/** A reason to stop before anything runs: one line, exit 1. */
function refuseToStart(error: unknown): never {
  process.stderr.write(`attune: ${(error as Error).message}\n`);
  process.exit(1);
}

/**
 * DATABASE_URL unset: a PostgreSQL of our own in ATTUNE_DATA_DIR, started before Nest boots so
 * the app runs on its URL exactly as on a configured one (same migrations, same code).
 */
async function startEmbeddedPostgres(config: AppConfig): Promise<EmbeddedPostgres> {
  // Nest's logger does not exist yet: the same JSON lines through pino directly.
  const log = pino(pinoOptions(config)).child({ context: 'EmbeddedPostgres' });
  const startedAt = performance.now();
  const server = await EmbeddedPostgres.start(config.dataDir, (line) => log.info(line));
  const tookMs = Math.round(performance.now() - startedAt);
  log.info(
    `embedded PostgreSQL started in ${tookMs} ms (data directory ${server.pgDir}, port ${server.port})`,
  );
  return server;
}

function listeningUrl(app: INestApplication, host: string): string {
  const { port } = app.getHttpServer().address() as AddressInfo;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

async function main(): Promise<void> {
  reportUnhandledRejections();
  let config: AppConfig;
  try {
    loadEnvFile();
    config = loadConfig();
  } catch (error) {
    if (error instanceof InvalidConfigError) refuseToStart(error);
    throw error;
  }

  let embedded: EmbeddedPostgres | undefined;
  if (config.database.url === undefined) {
    // A data directory in use by another process is refused here, naming that process.
    embedded = await startEmbeddedPostgres(config).catch(refuseToStart);
    config = { ...config, database: { ...config.database, url: embedded.url } };
  }

  let app: INestApplication;
  try {
    app = await startApp(config);
  } catch (error) {
    // A process that cannot run what its roles need (handlers that do not fit the consumers, a
    // port in use) stops with the reason on one line.
    await embedded?.stop().catch(() => undefined);
    refuseToStart(error);
  }
  const logger = new Logger('Main');
  logger.log(
    `listening on ${listeningUrl(app, config.http.host)} (roles ${config.roles.join(',')})`,
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: stopping (consumers first, then in-flight work, then connections)`);
    // A hung dependency must not keep the process around forever.
    setTimeout(() => process.exit(1), config.shutdownGraceMs + 10_000).unref();
    await app.close();
    // The database goes last: the app's in-flight work has finished with it.
    if (embedded) {
      await embedded.stop();
      logger.log('embedded PostgreSQL stopped');
    }
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

void main();
