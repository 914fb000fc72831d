import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { InvalidConfigError, loadConfig } from './config/app-config';
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

async function main(): Promise<void> {
  reportUnhandledRejections();
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof InvalidConfigError) {
      process.stderr.write(`attune: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  let app;
  try {
    app = await startApp(config);
  } catch (error) {
    // A process that cannot run what its roles need (handlers that do not fit the consumers, a
    // port in use) stops with the reason on one line.
    process.stderr.write(`attune: ${(error as Error).message}\n`);
    process.exit(1);
  }
  const logger = new Logger('Main');
  logger.log(`attune up with roles ${config.roles.join(',')} on port ${config.http.port}`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: stopping (consumers first, then in-flight work, then connections)`);
    // A hung dependency must not keep the process around forever.
    setTimeout(() => process.exit(1), config.shutdownGraceMs + 10_000).unref();
    await app.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

void main();
