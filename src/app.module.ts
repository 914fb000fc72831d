import { DynamicModule, Module, Type } from '@nestjs/common';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { RoleName } from './config/roles';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { LoggingModule } from './logging/logging.module';
import { MessagingModule } from './messaging/messaging.module';
import { MetricsModule } from './metrics/metrics.module';
import { ApiModule } from './roles/api/api.module';
import { ExecutorModule } from './roles/executor/executor.module';
import { NotifierModule } from './roles/notifier/notifier.module';
import { SensorModule } from './roles/sensor/sensor.module';
import { WorkerModule } from './roles/worker/worker.module';
import { SecretsModule } from './secrets/secrets.module';

const ROLE_MODULES: Record<RoleName, Type> = {
  api: ApiModule,
  sensor: SensorModule,
  executor: ExecutorModule,
  worker: WorkerModule,
  notifier: NotifierModule,
};

/** The root module imports only the modules of the roles this process runs. */
@Module({})
export class AppModule {
  static forRoles(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(config),
        MetricsModule,
        DatabaseModule,
        MessagingModule.forRoot(config),
        HealthModule,
        AuthModule,
        AuditModule,
        SecretsModule,
        ...config.roles.map((role) => ROLE_MODULES[role]),
      ],
    };
  }
}
