import {
  maskRevealedSecrets,
  REDACTED,
  redactHeaders,
  redactUrl,
  serializeRequest,
} from '../../src/logging/redaction';
import { revealedSecrets } from '../../src/secrets/secret-masker';

describe('log redaction', () => {
  it('hides credential headers by name', () => {
    expect(
      redactHeaders({
        authorization: 'Bearer atn_x',
        cookie: 'sid=1',
        'x-api-key': 'k',
        'x-hub-signature-256': 'sha256=…',
        'x-db-password': 'p',
        accept: '*/*',
      }),
    ).toEqual({
      authorization: REDACTED,
      cookie: REDACTED,
      'x-api-key': REDACTED,
      'x-hub-signature-256': REDACTED,
      'x-db-password': REDACTED,
      accept: '*/*',
    });
  });

  it('hides sensitive query parameters and keeps the rest', () => {
    expect(redactUrl('/a?password=y&limit=2&ticket=t&access_token=z&Secret%20Key=s')).toBe(
      `/a?password=${REDACTED}&limit=2&ticket=${REDACTED}&access_token=${REDACTED}&Secret%20Key=${REDACTED}`,
    );
    expect(redactUrl('/plain')).toBe('/plain');
    expect(serializeRequest({ url: '/x?token=1', headers: { cookie: 'c' } })).toMatchObject({
      url: `/x?token=${REDACTED}`,
      headers: { cookie: REDACTED },
    });
  });

  it('masks secret values revealed right now in whatever is logged', () => {
    const logged: unknown[][] = [];
    const method = (...args: unknown[]) => void logged.push(args);
    revealedSecrets.add(['hunter22']);
    try {
      maskRevealedSecrets.call(undefined, [{ out: 'x hunter22' }, 'said hunter22'], method);
    } finally {
      revealedSecrets.remove(['hunter22']);
    }
    maskRevealedSecrets.call(undefined, ['later hunter22'], method);
    expect(logged).toEqual([[{ out: 'x ***' }, 'said ***'], ['later hunter22']]);
  });
});
