import { DynamicModule, Module } from '@nestjs/common';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { LoggingModule } from './logging/logging.module';
import { MessagingModule } from './messaging/messaging.module';
import { MetricsModule } from './metrics/metrics.module';
import { messagingNeedsOf, ROLE_TABLE } from './roles/role-table';
import { SecretsModule } from './secrets/secrets.module';
import { StoresModule } from './stores/stores.module';

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
        StoresModule,
        MessagingModule.forRoot(config, messagingNeedsOf(config.roles)),
        HealthModule,
        AuthModule,
        AuditModule,
        SecretsModule,
        ...config.roles.map((role) => ROLE_TABLE[role].module),
      ],
    };
  }
}
