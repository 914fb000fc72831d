import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppConfig, databaseUrl, redactUrl } from '../config/app-config';
import { ConfigModule } from '../config/config.module';
import { DatabaseModule } from '../database/database.module';
import { DatabaseService } from '../database/database.service';
import { HistoryPruner, PRUNED_TABLES } from '../retention/history-pruner';
import { MetricsModule } from '../metrics/metrics.module';
import { RetentionModule } from '../retention/retention.module';
import { StoresModule } from '../stores/stores.module';
import { CliError, Out, parseOptions, withTimeout } from './cli-support';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `7d`, `12h`, `30m`, `90s` in milliseconds. */
export function parseAge(text: string | undefined, option: string): number {
  const match = /^(\d+)([smhd])$/.exec(text ?? '');
  if (!match) throw new CliError(`${option} needs an age such as 7d, 12h, 30m or 90s`);
  return Number(match[1]) * UNIT_MS[match[2]];
}

/**
 * `attune prune --older-than 7d [--audit-older-than 365d] [--dry-run]`: the retention pass the
 * executors run, now and with the given window; a dry run counts what it would delete.
 */
export async function runPruneCommand(config: AppConfig, args: string[], out: Out) {
  const { options } = parseOptions(args);
  if (!options.has('older-than') && !options.has('audit-older-than')) {
    throw new CliError('prune needs --older-than <age> (and/or --audit-older-than <age>)');
  }
  const historyOlderThanMs = options.has('older-than')
    ? parseAge(options.get('older-than'), '--older-than')
    : undefined;
  const auditOlderThanMs = options.has('audit-older-than')
    ? parseAge(options.get('audit-older-than'), '--audit-older-than')
    : undefined;
  const dryRun = options.has('dry-run');

  @Module({
    imports: [
      ConfigModule.forRoot(config),
      // The stores count finished executions.
      MetricsModule,
      DatabaseModule,
      StoresModule,
      RetentionModule,
    ],
  })
  class PruneCliModule {}

  const app = await NestFactory.createApplicationContext(PruneCliModule, { logger: ['error'] });
  try {
    const db = app.get(DatabaseService);
    await withTimeout(
      db.whenReady(),
      () => db.notReadyReason ?? `PostgreSQL at ${redactUrl(databaseUrl(config))}`,
    );
    const report = await app.get(HistoryPruner).prune({
      historyOlderThanMs,
      auditOlderThanMs,
      batchSize: config.retention.batchSize,
      dryRun,
      onBatch: progressOnStderr(dryRun ? 'would delete' : 'deleted'),
    });
    if (!report) throw new CliError('another process is pruning now; try again when it is done');
    const verb = dryRun ? 'would delete' : 'deleted';
    for (const table of PRUNED_TABLES) out(`${table}\t${verb} ${report[table]}`);
    return 0;
  } finally {
    await app.close();
  }
}

const PROGRESS_EVERY_MS = 5000;

/** A pass over months of history takes minutes: a line on stderr every few seconds says how far. */
function progressOnStderr(verb: string) {
  const started = Date.now();
  let last = started;
  let sum = 0;
  return (table: string, deleted: number) => {
    sum += deleted;
    if (Date.now() - last < PROGRESS_EVERY_MS) return;
    last = Date.now();
    const seconds = Math.round((last - started) / 1000);
    process.stderr.write(`prune: ${verb} ${sum} rows so far (now ${table}, ${seconds} s)\n`);
  };
}
