import { createHmac } from 'node:crypto';

/** What a sender puts in X-Attune-Signature for `body` at unix time `t` (docs/security.md). */
export function attuneSignature(secret: string, body: Buffer | string, t: number): string {
  const mac = createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');
  return `t=${t},v1=${mac}`;
}
