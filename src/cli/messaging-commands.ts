import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppConfig } from '../config/app-config';
import { ConfigModule } from '../config/config.module';
import { MessagingModule } from '../messaging/messaging.module';
import { DeadLetterAdmin, TopologyAdmin, TransportConnection } from '../messaging/messaging.port';
import { reportIsHealthy, TopologyReport } from '../messaging/topology-report';
import { MetricsModule } from '../metrics/metrics.module';
import { Topology } from '../messaging/topology';
import { messagingNeedsOf } from '../roles/role-table';
import { CliError, Out, withTimeout } from './cli-support';

/** `attune topology apply|verify` and `attune dlq list|peek|replay`, on either transport. */
export async function runMessagingCommand(
  config: AppConfig,
  [group, command, ...args]: string[],
  out: Out,
): Promise<number> {
  @Module({
    imports: [
      ConfigModule.forRoot(config),
      MetricsModule,
      MessagingModule.forRoot(config, messagingNeedsOf(config.roles)),
    ],
  })
  class MessagingCliModule {}

  const app = await NestFactory.createApplicationContext(MessagingCliModule, { logger: ['error'] });
  try {
    const transport = app.get(TransportConnection);
    await withTimeout(
      transport.whenConnected(),
      () => transport.notConnectedReason ?? 'the broker',
    );
    return await run(app, group, command, args, out);
  } finally {
    await app.close();
  }
}

async function run(
  app: INestApplicationContext,
  group: string,
  command: string,
  args: string[],
  out: Out,
): Promise<number> {
  if (group === 'topology') {
    const topology = app.get(TopologyAdmin);
    const report = command === 'apply' ? await topology.apply() : await topology.verify();
    printReport(report, out);
    return reportIsHealthy(report) ? 0 : 1;
  }
  await assertTopologyDeclared(app.get(TopologyAdmin), app.get(Topology).prefix);
  const deadLetters = app.get(DeadLetterAdmin);
  if (command === 'list') {
    for (const q of await deadLetters.list()) {
      out(`${q.queue}\t${q.messages} message(s)${q.source ? `\treplays to ${q.source}` : ''}`);
    }
    return 0;
  }
  const [queue, limitText] = args;
  if (!queue) throw new CliError(`dlq ${command} needs a queue name (see \`attune dlq list\`)`);
  const limit = limitText === undefined ? (command === 'peek' ? 10 : 100) : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1)
    throw new CliError(`limit must be a positive whole number, got '${limitText}'`);
  if (command === 'peek') {
    for (const message of await deadLetters.peek(queue, limit)) out(JSON.stringify(message));
    return 0;
  }
  const { replayed, remaining } = await deadLetters.replay(queue, limit);
  out(`replayed ${replayed} message(s) from ${queue}; ${remaining} left`);
  return 0;
}

/**
 * Dead-letter commands read queues the app declares: under a prefix where nothing is declared
 * (a typo in MQ_PREFIX, another deployment's settings) every queue would look empty, so say so.
 */
async function assertTopologyDeclared(topology: TopologyAdmin, prefix: string): Promise<void> {
  const report = await topology.verify();
  if (report.healthy.length === 0 && report.conflicts.length === 0) {
    throw new CliError(`no topology under prefix '${prefix}': run \`attune topology apply\``);
  }
}

function printReport(report: TopologyReport, out: Out): void {
  for (const name of report.healthy) out(`ok        ${name}`);
  for (const name of report.missing) out(`missing   ${name}`);
  for (const conflict of report.conflicts) out(`conflict  ${conflict.message}`);
  for (const error of report.errors) out(`error     ${error.message}`);
  out(
    `${report.healthy.length} healthy, ${report.missing.length} missing, ` +
      `${report.conflicts.length} conflicting, ${report.errors.length} failed`,
  );
}
