import { DynamicModule, INestApplication, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { ConfigModule } from '../../src/config/config.module';
import { DatabaseModule } from '../../src/database/database.module';
import { HealthModule } from '../../src/health/health.module';
import { ConsumerComponent } from '../../src/messaging/consumer-components';
import { connectMessageConsumers, MessagingModule } from '../../src/messaging/messaging.module';
import { MetricsModule } from '../../src/metrics/metrics.module';
import { messagingNeedsOf } from '../../src/roles/role-table';
import { freePort } from './attune-process';
import { transportEnv } from './env';

export interface HarnessOptions {
  databaseUrl: string;
  prefix: string;
  instanceId: string;
  components: ConsumerComponent[];
  controllers: Type[];
  env?: Record<string, string>;
}

/**
 * The messaging module in-process with probe consumer components of the test's own, over the
 * real broker: for driving handler outcomes (fail twice, always fail …) that real roles never do.
 */
export async function startMessagingHarness(
  options: HarnessOptions,
): Promise<{ app: INestApplication; config: AppConfig; url: string }> {
  const port = await freePort();
  const config = loadConfig({
    ROLES: 'executor',
    PORT: String(port),
    DATABASE_URL: options.databaseUrl,
    MQ_PREFIX: options.prefix,
    INSTANCE_ID: options.instanceId,
    RETRY_BACKOFF_MS: '200,400',
    LOG_LEVEL: 'error',
    ...transportEnv(),
    ...options.env,
  });

  @Module({ controllers: options.controllers })
  class ProbeModule {}

  const root: DynamicModule = {
    module: class MessagingHarnessModule {},
    imports: [
      ConfigModule.forRoot(config),
      MetricsModule,
      DatabaseModule,
      MessagingModule.forRoot(config, {
        consumers: options.components,
        declares: messagingNeedsOf(config.roles).declares,
      }),
      HealthModule,
      ProbeModule,
    ],
  };
  const app = await NestFactory.create(root, { logger: ['error'] });
  try {
    connectMessageConsumers(app);
    await app.init();
    await app.startAllMicroservices();
    await app.listen(port, '127.0.0.1');
  } catch (error) {
    await app.close().catch(() => {});
    throw error;
  }
  return { app, config, url: `http://127.0.0.1:${port}` };
}
