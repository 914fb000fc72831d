import { createHmac } from 'node:crypto';
import { checkWebhookSignature } from '../../src/roles/api/webhooks/webhook-signature';
import { attuneSignature } from '../support/webhook-signing';

describe('webhook signatures', () => {
  const secret = 'a-webhook-secret-of-some-length';
  const body = Buffer.from('{"severity":"high","host":"db-1"}');
  const now = 1_800_000_000;

  const attune = (value: string) => ({ 'x-attune-signature': value });
  const check = (headers: Record<string, string>, raw = body, at = now) =>
    checkWebhookSignature(headers, raw, secret, 300, at);

  it('accepts X-Attune-Signature over "<t>.<raw body>" within the window', () => {
    expect(check(attune(attuneSignature(secret, body, now)))).toEqual({ valid: true });
    expect(check(attune(attuneSignature(secret, body, now - 300)))).toEqual({ valid: true });
  });

  it('accepts any of several v1 signatures (a sender rotating its secret)', () => {
    const good = attuneSignature(secret, body, now).split(',v1=')[1];
    expect(check(attune(`t=${now},v1=${'0'.repeat(64)},v1=${good}`))).toEqual({ valid: true });
  });

  it.each([
    [
      'a timestamp older than the window',
      attuneSignature(secret, body, now - 301),
      /more than 300 s/,
    ],
    ['a timestamp in the future', attuneSignature(secret, body, now + 301), /more than 300 s/],
    ['another secret', attuneSignature('another-secret-entirely', body, now), /does not match/],
    ['no v1', `t=${now}`, /must be "t=/],
    ['no t', `v1=${'a'.repeat(64)}`, /must be "t=/],
    ['a short signature', `t=${now},v1=abcd`, /does not match/],
    ['a non-hex signature', `t=${now},v1=${'z'.repeat(64)}`, /does not match/],
  ])('refuses %s', (_label, header, reason) => {
    const result = check(attune(header));
    expect(result?.valid).toBe(false);
    expect(result).toMatchObject({ reason: expect.stringMatching(reason) });
  });

  it('refuses a body changed by one byte', () => {
    const header = attuneSignature(secret, body, now);
    const changed = Buffer.from(body);
    changed[5] ^= 1;
    expect(check(attune(header), changed)?.valid).toBe(false);
  });

  it("accepts GitHub's X-Hub-Signature-256 over the raw body", () => {
    const digest = createHmac('sha256', secret).update(body).digest('hex');
    expect(check({ 'x-hub-signature-256': `sha256=${digest}` })).toEqual({ valid: true });
    expect(check({ 'x-hub-signature-256': `sha256=${digest.toUpperCase()}` })).toEqual({
      valid: true,
    });
    expect(check({ 'x-hub-signature-256': digest })?.valid).toBe(false);
    expect(check({ 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` })?.valid).toBe(false);
  });

  it('says nothing when the request is not signed at all', () => {
    expect(check({})).toBeUndefined();
  });
});
