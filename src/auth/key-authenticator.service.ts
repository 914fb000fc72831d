import { Inject, Injectable, Logger } from '@nestjs/common';
import { DEFINITION_FRESHNESS, RefreshingCache } from '../common/refreshing-cache';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { BUILT_IN_GRANTS, Grant, isBuiltInRole, Permissions } from '../domain/permissions';
import { AccessRoleStore } from '../stores/access-role.store';
import { API_KEY_PATTERN, hashApiKey } from './api-key';
import { ApiKeyStore } from '../stores/api-key.store';
import { Principal } from './principal';
import { StreamTicketStore } from '../stores/stream-ticket.store';

/** The environment's admin key has no row; this is its name in logs, 403s and audit rows. */
export const ADMIN_KEY_NAME = 'ATTUNE_ADMIN_KEY';

/** last_used_at is written at most this often per key and process (not on every request). */
const TOUCH_EVERY_MS = 60_000;
/** Hashes of recently seen keys: a SHA-256 per request was ~1% of the webhook path's CPU. */
const MAX_REMEMBERED_HASHES = 1000;

interface KnownKey {
  principal: Principal;
  expiresAt: number | null;
}

/**
 * Turns a bearer key (or a stream ticket) into a Principal. Keys are looked up by hash through a
 * cache that serves nothing older than 1 s (DEFINITION_FRESHNESS): a revoked or expired key, or
 * a changed role, is refused by every process within that second, and under steady traffic no
 * request waits for the database (docs/decisions/009).
 */
@Injectable()
export class KeyAuthenticator {
  private readonly logger = new Logger('Auth');
  private readonly keys = new RefreshingCache(
    (keyHash: string) => this.load(keyHash),
    DEFINITION_FRESHNESS,
  );
  private readonly lastTouched = new Map<string, number>();
  private readonly hashes = new Map<string, string>();
  private readonly admin?: KnownKey;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly apiKeys: ApiKeyStore,
    private readonly roles: AccessRoleStore,
    private readonly tickets: StreamTicketStore,
  ) {
    const adminKey = config.auth.adminKey;
    if (adminKey) {
      this.admin = {
        principal: {
          keyName: ADMIN_KEY_NAME,
          keyId: null,
          keyHash: hashApiKey(adminKey),
          role: 'admin',
          permissions: new Permissions(BUILT_IN_GRANTS.admin),
        },
        expiresAt: null,
      };
    }
  }

  /** The key's principal, or undefined for a malformed, unknown, revoked or expired key. */
  async authenticate(key: string): Promise<Principal | undefined> {
    if (!API_KEY_PATTERN.test(key)) return undefined;
    return this.byHash(this.hashOf(key));
  }

  /**
   * The principal of a key seen within the cache's fresh time, without waiting; undefined when
   * the key must be looked up (then call authenticate).
   */
  authenticateFromMemory(key: string): Principal | undefined {
    const keyHash = this.hashes.get(key);
    if (keyHash === undefined) return undefined;
    const known =
      this.admin?.principal.keyHash === keyHash ? this.admin : this.keys.peekFresh(keyHash);
    return known ? this.usable(known) : undefined;
  }

  private hashOf(key: string): string {
    let keyHash = this.hashes.get(key);
    if (keyHash === undefined) {
      keyHash = hashApiKey(key);
      if (this.hashes.size >= MAX_REMEMBERED_HASHES) this.hashes.clear();
      this.hashes.set(key, keyHash);
    }
    return keyHash;
  }

  /** A stream ticket's principal; the ticket is used up whether or not its key still works. */
  async redeemTicket(ticket: string): Promise<Principal | undefined> {
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(ticket)) return undefined;
    const keyHash = await this.tickets.take(hashApiKey(ticket));
    return keyHash === undefined ? undefined : this.byHash(keyHash);
  }

  /** Keys are compared as hashes, the environment's admin key too. */
  private async byHash(keyHash: string): Promise<Principal | undefined> {
    const known =
      this.admin?.principal.keyHash === keyHash ? this.admin : await this.keys.get(keyHash);
    return known ? this.usable(known) : undefined;
  }

  /** The principal unless its key expired; its use noted. */
  private usable(known: KnownKey): Principal | undefined {
    if (known.expiresAt !== null && known.expiresAt <= Date.now()) return undefined;
    this.touch(known.principal);
    return known.principal;
  }

  private async load(keyHash: string): Promise<KnownKey | undefined> {
    const row = await this.apiKeys.findActiveByHash(keyHash);
    if (!row) return undefined;
    return {
      principal: {
        keyName: row.name,
        keyId: row.id,
        keyHash,
        role: row.role,
        permissions: new Permissions(await this.grantsOf(row.role)),
      },
      expiresAt: row.expires_at?.getTime() ?? null,
    };
  }

  /** A built-in role's grants, or a custom role's; none for a role that no longer exists. */
  async grantsOf(role: string): Promise<Grant[]> {
    if (isBuiltInRole(role)) return BUILT_IN_GRANTS[role];
    return (await this.roles.get(role))?.grants ?? [];
  }

  private touch(principal: Principal): void {
    if (!principal.keyId) return;
    const now = Date.now();
    if (now - (this.lastTouched.get(principal.keyId) ?? 0) < TOUCH_EVERY_MS) return;
    this.lastTouched.set(principal.keyId, now);
    this.apiKeys
      .touch([principal.keyId])
      .catch((error: Error) => this.logger.warn(`could not record key use: ${error.message}`));
  }
}
