import { createHmac, timingSafeEqual } from 'node:crypto';

export const ATTUNE_SIGNATURE_HEADER = 'x-attune-signature';
export const GITHUB_SIGNATURE_HEADER = 'x-hub-signature-256';

/** A trigger's webhook secret is sealed for that trigger only. */
export function webhookSecretContext(triggerRef: string): string {
  return `webhook:${triggerRef}`;
}

export type SignatureCheck = { valid: true } | { valid: false; reason: string };

/**
 * Checks a webhook's signature over the raw bytes received: `X-Attune-Signature: t=<unix s>,
 * v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` with `t` within `toleranceS` of now (several v1 may
 * be given, as while a sender rotates its secret), or GitHub's `X-Hub-Signature-256: sha256=<hex
 * HMAC-SHA256(secret, body)>`. Undefined when the request carries neither header.
 */
export function checkWebhookSignature(
  headers: Record<string, string | string[] | undefined>,
  rawBody: Buffer,
  secret: string,
  toleranceS: number,
  nowS = Math.floor(Date.now() / 1000),
): SignatureCheck | undefined {
  const attune = single(headers[ATTUNE_SIGNATURE_HEADER]);
  if (attune !== undefined) return checkAttune(attune, rawBody, secret, toleranceS, nowS);
  const github = single(headers[GITHUB_SIGNATURE_HEADER]);
  if (github !== undefined) return checkGithub(github, rawBody, secret);
  return undefined;
}

function checkAttune(
  header: string,
  rawBody: Buffer,
  secret: string,
  toleranceS: number,
  nowS: number,
): SignatureCheck {
  const fields = header.split(',').map((part) => part.trim().split('='));
  const t = fields.find(([name]) => name === 't')?.[1];
  const signatures = fields.filter(([name]) => name === 'v1').map(([, value]) => value ?? '');
  if (!t || !/^\d{1,12}$/.test(t) || signatures.length === 0) {
    return invalid(`${ATTUNE_SIGNATURE_HEADER} must be "t=<unix seconds>,v1=<hex HMAC-SHA256>"`);
  }
  if (Math.abs(nowS - Number(t)) > toleranceS) {
    return invalid(`${ATTUNE_SIGNATURE_HEADER} timestamp is more than ${toleranceS} s from now`);
  }
  const expected = hmac(secret, [Buffer.from(`${t}.`), rawBody]);
  return signatures.some((signature) => sameDigest(signature, expected))
    ? { valid: true }
    : invalid(`${ATTUNE_SIGNATURE_HEADER} does not match the body`);
}

function checkGithub(header: string, rawBody: Buffer, secret: string): SignatureCheck {
  const match = /^sha256=(.*)$/.exec(header.trim());
  if (!match) return invalid(`${GITHUB_SIGNATURE_HEADER} must be "sha256=<hex HMAC-SHA256>"`);
  return sameDigest(match[1], hmac(secret, [rawBody]))
    ? { valid: true }
    : invalid(`${GITHUB_SIGNATURE_HEADER} does not match the body`);
}

function hmac(secret: string, parts: Buffer[]): Buffer {
  const mac = createHmac('sha256', secret);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/** Constant-time comparison of a hex digest as received with the expected bytes. */
function sameDigest(hex: string, expected: Buffer): boolean {
  if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== expected.length * 2) return false;
  return timingSafeEqual(Buffer.from(hex, 'hex'), expected);
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function invalid(reason: string): SignatureCheck {
  return { valid: false, reason };
}
