import { randomBytes } from 'node:crypto';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { KeysService } from '../auth/keys.service';
import { AppConfig, databaseUrl, redactUrl } from '../config/app-config';
import { ConfigModule } from '../config/config.module';
import { DatabaseModule } from '../database/database.module';
import { DatabaseService } from '../database/database.service';
import { MetricsModule } from '../metrics/metrics.module';
import { SecretRotation } from '../secrets/secret-rotation.service';
import { SecretsModule } from '../secrets/secrets.module';
import { StoresModule } from '../stores/stores.module';
import { isUuid } from '../common/uuid';
import { CliError, Out, parseOptions, withTimeout } from './cli-support';

/** `attune secrets generate-key` needs no database. */
export function generateSecretKey(out: Out): number {
  out(randomBytes(32).toString('base64'));
  return 0;
}

/** `attune keys create|list|revoke` and `attune secrets rotate-key`, against the database. */
export async function runAccessCommand(
  config: AppConfig,
  [group, command, ...args]: string[],
  out: Out,
): Promise<number> {
  @Module({
    imports: [
      ConfigModule.forRoot(config),
      // The stores count finished executions.
      MetricsModule,
      DatabaseModule,
      StoresModule,
      AuthModule,
      AuditModule,
      SecretsModule,
    ],
    providers: [KeysService, SecretRotation],
  })
  class AccessCliModule {}

  const app = await NestFactory.createApplicationContext(AccessCliModule, { logger: ['error'] });
  try {
    const db = app.get(DatabaseService);
    await withTimeout(
      db.whenReady(),
      () => db.notReadyReason ?? `PostgreSQL at ${redactUrl(databaseUrl(config))}`,
    );
    if (group === 'secrets') {
      const report = await app.get(SecretRotation).rotate(out);
      out(
        `re-sealed under key ${report.keyId}: ${report.secrets} secret(s), ` +
          `${report.webhookSecrets} webhook secret(s), ${report.executions} execution(s); ` +
          'ATTUNE_SECRET_KEY_PREVIOUS can now be dropped',
      );
      return 0;
    }
    return await keys(app.get(KeysService), command, args, out);
  } finally {
    await app.close();
  }
}

async function keys(service: KeysService, command: string, args: string[], out: Out) {
  const { options, positional } = parseOptions(args);
  if (command === 'create') {
    const name = options.get('name');
    const role = options.get('role');
    if (!name || !role) throw new CliError('keys create needs --name <name> --role <role>');
    const expiresText = options.get('expires-at');
    const expiresAt = expiresText === undefined ? null : new Date(expiresText);
    if (expiresAt && Number.isNaN(expiresAt.getTime())) {
      throw new CliError(`--expires-at must be an ISO 8601 date-time, got '${expiresText}'`);
    }
    const created = await service.create({ name, role, expiresAt }, 'cli');
    out(`created key '${created.name}' (${created.role}) ${created.id}; it is shown this once:`);
    out(created.key);
    return 0;
  }
  if (command === 'list') {
    const page = await service.list({ limit: 500, includeRevoked: options.has('all') });
    for (const key of page.items) {
      const state = key.revoked_at
        ? `revoked ${key.revoked_at}`
        : `expires ${key.expires_at ?? 'never'}`;
      out(
        `${key.id}\t${key.name}\t${key.role}\t${key.hint}\t${state}\tlast used ${key.last_used_at ?? 'never'}`,
      );
    }
    out(`${page.items.length} key(s)`);
    return 0;
  }
  const [which] = positional;
  if (!which) throw new CliError('keys revoke needs the id or the name of a key');
  const revoked = await service.revoke(isUuid(which) ? { id: which } : { name: which }, 'cli');
  out(`revoked key '${revoked.name}' (${revoked.id}); every process refuses it within 2 s`);
  return 0;
}
