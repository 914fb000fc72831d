import 'reflect-metadata';
import { Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppConfig, InvalidConfigError, loadConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { MessagingModule } from './messaging/messaging.module';
import { DeadLetterAdmin, TopologyAdmin } from './messaging/messaging.port';
import { BrokerConnection } from './messaging/rabbitmq/broker-connection';
import { MetricsModule } from './metrics/metrics.module';
import { reportIsHealthy, TopologyReport } from './messaging/topology-report';

const USAGE = `usage: attune <command>
  topology apply            declare every exchange and queue (ROLES picks which; default all)
  topology verify           report healthy, missing and conflicting objects; exit 1 if any is wrong
  dlq list                  dead-letter queues and how many messages each holds
  dlq peek <queue> [n]      show up to n (default 10) messages without removing them
  dlq replay <queue> [n]    move up to n (default 100) messages back to the queue they failed on
Configuration comes from the same environment variables as the app (AMQP_URL, MQ_PREFIX, …).`;

const CONNECT_TIMEOUT_MS = 15_000;

export async function main(argv: string[]): Promise<void> {
  const [group, command, ...rest] = argv;
  const known = ['topology apply', 'topology verify', 'dlq list', 'dlq peek', 'dlq replay'];
  if (!known.includes(`${group} ${command}`)) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  let config: AppConfig;
  try {
    config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  } catch (error) {
    if (!(error instanceof InvalidConfigError)) throw error;
    process.stderr.write(`attune: ${error.message}\n`);
    process.exit(1);
  }

  @Module({
    imports: [ConfigModule.forRoot(config), MetricsModule, MessagingModule.forRoot(config)],
  })
  class CliModule {}

  const app = await NestFactory.createApplicationContext(CliModule, { logger: ['error'] });
  let exitCode: number;
  try {
    const broker = app.get(BrokerConnection);
    await Promise.race([
      broker.whenConnected(),
      new Promise((_, reject) =>
        setTimeout(
          () => reject(new Error(`could not reach ${broker.notConnectedReason ?? 'the broker'}`)),
          CONNECT_TIMEOUT_MS,
        ).unref(),
      ),
    ]);
    exitCode = await run(app.get(TopologyAdmin), app.get(DeadLetterAdmin), group, command, rest);
  } catch (error) {
    process.stderr.write(`attune: ${(error as Error).message}\n`);
    exitCode = 1;
  } finally {
    await app.close();
  }
  process.exit(exitCode);
}

async function run(
  topology: TopologyAdmin,
  deadLetters: DeadLetterAdmin,
  group: string,
  command: string,
  args: string[],
): Promise<number> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  if (group === 'topology') {
    const report = command === 'apply' ? await topology.apply() : await topology.verify();
    printReport(report, out);
    return reportIsHealthy(report) ? 0 : 1;
  }
  if (command === 'list') {
    for (const q of await deadLetters.list()) {
      out(`${q.queue}\t${q.messages} message(s)${q.source ? `\treplays to ${q.source}` : ''}`);
    }
    return 0;
  }
  const [queue, limitText] = args;
  if (!queue) throw new Error(`dlq ${command} needs a queue name (see \`attune dlq list\`)`);
  const limit = limitText === undefined ? (command === 'peek' ? 10 : 100) : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1)
    throw new Error(`limit must be a positive whole number, got '${limitText}'`);
  if (command === 'peek') {
    for (const message of await deadLetters.peek(queue, limit)) out(JSON.stringify(message));
    return 0;
  }
  const { replayed, remaining } = await deadLetters.replay(queue, limit);
  out(`replayed ${replayed} message(s) from ${queue}; ${remaining} left`);
  return 0;
}

function printReport(report: TopologyReport, out: (line: string) => void): void {
  for (const name of report.healthy) out(`ok        ${name}`);
  for (const name of report.missing) out(`missing   ${name}`);
  for (const conflict of report.conflicts) out(`conflict  ${conflict.message}`);
  for (const error of report.errors) out(`error     ${error.message}`);
  out(
    `${report.healthy.length} healthy, ${report.missing.length} missing, ` +
      `${report.conflicts.length} conflicting, ${report.errors.length} failed`,
  );
}

// Keep Nest's own logger quiet unless something is wrong.
Logger.overrideLogger(['error']);
