import { Page, toPage } from '../http/pagination.dto';
import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { AuditTrail } from '../audit/audit-trail.service';
import { DatabaseService } from '../database/database.service';
import { isBuiltInRole } from '../domain/permissions';
import { conflict, InvalidInputException } from '../common/errors';
import { AccessRoleStore } from '../stores/access-role.store';
import { apiKeyHint, generateApiKey, hashApiKey } from './api-key';
import { ApiKeyRow, ApiKeyStore } from '../stores/api-key.store';
import { actorOf, Principal } from './principal';

/** A key as it is listed: never the key, never its hash. */
export interface ApiKeyView {
  id: string;
  name: string;
  hint: string;
  role: string;
  expires_at: string | null;
  last_used_at: string | null;
  created_by: string;
  created_at: string;
  revoked_at: string | null;
}

/** Who acts when it is not a key: the CLI (an operator at the database) or Attune itself. */
export type KeyActor = Principal | 'cli' | 'system';

/** Creating, listing and revoking keys, for the API and the CLI alike; each change audited. */
@Injectable()
export class KeysService {
  constructor(
    private readonly keys: ApiKeyStore,
    private readonly roles: AccessRoleStore,
    private readonly audit: AuditTrail,
  ) {}

  /** A new key: the only time it is ever shown. */
  async create(
    request: { name: string; role: string; expiresAt?: Date | null },
    by: KeyActor,
  ): Promise<ApiKeyView & { key: string }> {
    if (!isBuiltInRole(request.role) && !(await this.roles.get(request.role))) {
      throw new NotFoundException(
        `role '${request.role}' does not exist (built-in: viewer, operator, editor, admin)`,
      );
    }
    if (request.expiresAt && request.expiresAt.getTime() <= Date.now()) {
      throw new InvalidInputException([
        `expires_at ${request.expiresAt.toISOString()} is already past`,
      ]);
    }
    const key = generateApiKey();
    const row = await this.keys.insert({
      id: randomUUID(),
      name: request.name,
      hint: apiKeyHint(key),
      keyHash: hashApiKey(key),
      role: request.role,
      expiresAt: request.expiresAt ?? null,
      createdBy: actorName(by),
    });
    if (!row)
      throw conflict(`a key named '${request.name}' exists; revoke it or pick another name`);
    await this.audit.record(actorName(by), 'create', 'key', row.name, {
      id: row.id,
      role: row.role,
      expires_at: row.expires_at?.toISOString() ?? null,
    });
    return { ...toView(row), key };
  }

  async list(query: {
    limit?: number;
    offset?: number;
    cursor?: string;
    includeRevoked?: boolean;
  }): Promise<Page<ApiKeyView>> {
    return toPage(await this.keys.page(query), toView);
  }

  /** Revokes by id (API) or by id or name (CLI); every process refuses it within 2 s. */
  async revoke(idOrName: { id: string } | { name: string }, by: KeyActor): Promise<ApiKeyView> {
    const row = await this.keys.revoke(idOrName);
    if (!row) {
      const which = 'id' in idOrName ? idOrName.id : `named '${idOrName.name}'`;
      throw new NotFoundException(`no key ${which}`);
    }
    await this.audit.record(actorName(by), 'revoke', 'key', row.name, { id: row.id });
    return toView(row);
  }
}

/**
 * On a first start with no key at all and no ATTUNE_ADMIN_KEY, makes one admin key and prints
 * it once, so a new installation is reachable and never open. (The api role runs it.)
 */
@Injectable()
export class FirstAdminKey implements OnApplicationBootstrap {
  private readonly logger = new Logger('Auth');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: DatabaseService,
    private readonly keys: ApiKeyStore,
    private readonly audit: AuditTrail,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.auth.adminKey) return;
    void this.create().catch((error: Error) =>
      this.logger.error(`could not create the first admin key: ${error.message}`),
    );
  }

  private async create(): Promise<void> {
    await this.db.whenReady();
    const key = generateApiKey();
    const created = await this.keys.insertIfNone({
      id: randomUUID(),
      name: 'admin',
      hint: apiKeyHint(key),
      keyHash: hashApiKey(key),
      role: 'admin',
      expiresAt: null,
      createdBy: 'system',
    });
    if (!created) return;
    await this.audit.record('system', 'create', 'key', 'admin', { role: 'admin', first: true });
    this.logger.log(`admin key (shown once): ${key}`);
  }
}

function actorName(by: KeyActor): string {
  return typeof by === 'string' ? by : actorOf(by);
}

function toView(row: ApiKeyRow): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    hint: row.hint,
    role: row.role,
    expires_at: row.expires_at?.toISOString() ?? null,
    last_used_at: row.last_used_at?.toISOString() ?? null,
    created_by: row.created_by,
    created_at: row.created_at.toISOString(),
    revoked_at: row.revoked_at?.toISOString() ?? null,
  };
}
