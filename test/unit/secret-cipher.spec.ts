import { randomBytes } from 'node:crypto';
import {
  isSealed,
  SecretCipher,
  SecretsDisabledError,
  sealedKeyId,
  UnreadableSecretError,
} from '../../src/secrets/secret-cipher';
import { maskText, maskValues, MASK } from '../../src/secrets/secret-masker';

const newKey = () => randomBytes(32).toString('base64');

describe('SecretCipher (AES-256-GCM)', () => {
  const key = newKey();
  const cipher = new SecretCipher(key);

  it('seals with a fresh nonce each time and opens under the same context', () => {
    const a = cipher.seal('hunter2-password', 'secret:db');
    const b = cipher.seal('hunter2-password', 'secret:db');
    expect(a).not.toBe(b);
    expect(isSealed(a)).toBe(true);
    expect(a).not.toContain('hunter2');
    expect(sealedKeyId(a)).toBe(cipher.currentKeyId);
    expect(cipher.open(a, 'secret:db')).toBe('hunter2-password');
  });

  it('refuses another context, an altered value and an unknown key', () => {
    const sealed = cipher.seal('value-1234', 'secret:a');
    expect(() => cipher.open(sealed, 'secret:b')).toThrow(UnreadableSecretError);
    const altered = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'BB' : 'AA');
    expect(() => cipher.open(altered, 'secret:a')).toThrow(UnreadableSecretError);
    expect(() => new SecretCipher(newKey()).open(sealed, 'secret:a')).toThrow(
      /was not given.*ATTUNE_SECRET_KEY_PREVIOUS/,
    );
  });

  it('opens values under a previous key and re-seals them under the current one', () => {
    const old = new SecretCipher(key);
    const sealed = old.seal('rotate-me', 'secret:x');
    const rotated = new SecretCipher(newKey(), [key]);
    const resealed = rotated.reseal(sealed, 'secret:x');
    expect(sealedKeyId(resealed)).toBe(rotated.currentKeyId);
    expect(sealedKeyId(resealed)).not.toBe(sealedKeyId(sealed));
    expect(rotated.open(resealed, 'secret:x')).toBe('rotate-me');
  });

  it('without a key, says what to set', () => {
    const none = new SecretCipher(undefined);
    expect(none.enabled).toBe(false);
    expect(() => none.seal('x', 'y')).toThrow(SecretsDisabledError);
    expect(() => none.seal('x', 'y')).toThrow(/ATTUNE_SECRET_KEY/);
  });
});

describe('masking', () => {
  it('replaces every occurrence of each value, in strings, nested values and keys', () => {
    expect(maskText('pw=s3cret; again s3cret', ['s3cret'])).toBe(`pw=${MASK}; again ${MASK}`);
    expect(maskValues({ out: ['s3cret'], n: 1, s3cret: { deep: 'x s3cret' } }, ['s3cret'])).toEqual(
      { out: [MASK], n: 1, [MASK]: { deep: `x ${MASK}` } },
    );
  });

  it('leaves values too short to mask alone', () => {
    expect(maskText('a b c', ['a'])).toBe('a b c');
  });
});
