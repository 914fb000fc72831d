import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** Sealed values are text (they travel in jsonb and messages): `atn-sealed:v1:<key id>:…`. */
const SEALED_PREFIX = 'atn-sealed:v1:';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** Secrets cannot be stored or read: ATTUNE_SECRET_KEY is not set. */
export class SecretsDisabledError extends Error {
  constructor(what = 'secrets') {
    super(
      `${what} need ATTUNE_SECRET_KEY (32 bytes in base64, e.g. from openssl rand -base64 32); ` +
        'set it on every process and restart',
    );
  }
}

/** A value sealed under a key this process was not given, or tampered with. */
export class UnreadableSecretError extends Error {}

/** A short public name of a key (never the key): the sealed values carry it. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('attune-secret-key:').update(key).digest('hex').slice(0, 12);
}

/**
 * AES-256-GCM with a random nonce per value. The key id travels with the value, so after a new
 * ATTUNE_SECRET_KEY values under the previous one (ATTUNE_SECRET_KEY_PREVIOUS) stay readable
 * until `attune secrets rotate-key` re-seals them. `context` (what the value belongs to, such as
 * `secret:db_password`) is authenticated: a value copied to another row does not open.
 */
export class SecretCipher {
  private readonly current?: { id: string; key: Buffer };
  private readonly keys = new Map<string, Buffer>();

  constructor(currentKey: string | undefined, previousKeys: string[] = []) {
    for (const text of [...previousKeys, ...(currentKey ? [currentKey] : [])]) {
      const key = Buffer.from(text, 'base64');
      this.keys.set(keyIdOf(key), key);
    }
    if (currentKey) {
      const key = Buffer.from(currentKey, 'base64');
      this.current = { id: keyIdOf(key), key };
    }
  }

  get enabled(): boolean {
    return this.current !== undefined;
  }

  /** The id new values are sealed under. */
  get currentKeyId(): string {
    return this.requireCurrent().id;
  }

  seal(plaintext: string, context: string): string {
    const { id, key } = this.requireCurrent();
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([
      cipher.update(plaintext, 'utf8'),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    return `${SEALED_PREFIX}${id}:${nonce.toString('base64url')}:${body.toString('base64url')}`;
  }

  open(sealed: string, context: string): string {
    const parts = parseSealed(sealed);
    if (!parts) throw new UnreadableSecretError('not a sealed value');
    const key = this.keys.get(parts.keyId);
    if (!key) {
      if (!this.enabled) throw new SecretsDisabledError('sealed values');
      throw new UnreadableSecretError(
        `sealed under key ${parts.keyId}, which this process was not given ` +
          `(its ATTUNE_SECRET_KEY is ${this.currentKeyId}; pass the old key in ATTUNE_SECRET_KEY_PREVIOUS)`,
      );
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, parts.nonce);
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(parts.body.subarray(parts.body.length - TAG_BYTES));
      const text = decipher.update(parts.body.subarray(0, parts.body.length - TAG_BYTES));
      return Buffer.concat([text, decipher.final()]).toString('utf8');
    } catch {
      throw new UnreadableSecretError(`sealed value for ${context} does not open (altered?)`);
    }
  }

  /** Opens under whichever key and seals under the current one (`rotate-key`). */
  reseal(sealed: string, context: string): string {
    return this.seal(this.open(sealed, context), context);
  }

  private requireCurrent(): { id: string; key: Buffer } {
    if (!this.current) throw new SecretsDisabledError();
    return this.current;
  }
}

export function isSealed(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(SEALED_PREFIX);
}

/** The key id a sealed value names, or undefined for anything else. */
export function sealedKeyId(value: string): string | undefined {
  return parseSealed(value)?.keyId;
}

function parseSealed(value: string): { keyId: string; nonce: Buffer; body: Buffer } | undefined {
  if (!isSealed(value)) return undefined;
  const [keyId, nonce, body] = value.slice(SEALED_PREFIX.length).split(':');
  if (!keyId || !nonce || !body) return undefined;
  const parsed = {
    keyId,
    nonce: Buffer.from(nonce, 'base64url'),
    body: Buffer.from(body, 'base64url'),
  };
  return parsed.nonce.length === NONCE_BYTES && parsed.body.length >= TAG_BYTES
    ? parsed
    : undefined;
}
