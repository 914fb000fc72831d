import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Every key starts with this, so secret scanners (and people) recognise one. */
export const API_KEY_PREFIX = 'atn_';

/** `atn_` and at least 32 URL-safe characters: what Attune makes, and what it accepts. */
export const API_KEY_PATTERN = /^atn_[A-Za-z0-9_-]{32,200}$/;

/** A new key: 32 random bytes (256 bits), so a fast hash at rest is enough. */
export function generateApiKey(): string {
  return `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/**
 * What is stored of a key. Keys are random 256-bit values, not passwords: nothing can be
 * guessed, so a slow password hash would only cost every request its time.
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The first characters, shown in lists so people can tell their keys apart. */
export function apiKeyHint(key: string): string {
  return `${key.slice(0, API_KEY_PREFIX.length + 6)}…`;
}

/** Constant-time equality of two strings (of any lengths: their hashes are compared). */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
