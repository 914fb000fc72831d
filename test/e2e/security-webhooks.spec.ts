import { createHmac } from 'node:crypto';
import { attuneSignature } from '../support/webhook-signing';
import { bearer, createKey, createRole, plainRequest } from '../support/keys';
import { ExchangeTap } from '../support/rabbit';
import { waitFor } from '../support/wait-for';
import { ApiSuite, startApiSuite, stopApiSuite } from '../support/api-suite';

const SECRET = 'whsec-0123456789abcdef-signing';

describe('security: signed webhooks (api,executor)', () => {
  let suite: ApiSuite;
  let tap: ExchangeTap;

  const now = () => Math.floor(Date.now() / 1000);
  const post = (body: string, headers: Record<string, string>) =>
    fetch(`${suite.app.url}/api/v1/webhooks/signed.push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
  const storedEvents = async () =>
    (
      await suite.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM event WHERE trigger_ref = 'signed.push'",
      )
    )[0].n;

  beforeAll(async () => {
    suite = await startApiSuite('whsig', 'api,executor', { AUTH_FAILURE_LIMIT: '1000' });
    tap = await ExchangeTap.open(`${suite.prefix}.events`, 'event.signed.push');
    const created = await suite.app.request('POST', '/api/v1/triggers', {
      ref: 'signed.push',
      webhook_secret: SECRET,
    });
    expect(created.status).toBe(201);
  });

  afterAll(async () => {
    await tap?.close();
    await stopApiSuite(suite);
  });

  it('keeps the webhook secret write-only and sealed at rest', async () => {
    const trigger = await suite.app.request('GET', '/api/v1/triggers/signed.push');
    expect(trigger.body.webhook_secret_set).toBe(true);
    expect(JSON.stringify(trigger.body)).not.toContain(SECRET);
    const [row] = await suite.db.query<{ sealed: string }>(
      "SELECT webhook_secret_sealed AS sealed FROM trigger WHERE ref = 'signed.push'",
    );
    expect(row.sealed).toMatch(/^atn-sealed:v1:/);
    expect(row.sealed).not.toContain(SECRET);
    // A PUT without the field keeps it.
    await suite.app.request('PUT', '/api/v1/triggers/signed.push', { description: 'signed' });
    expect(
      (await suite.app.request('GET', '/api/v1/triggers/signed.push')).body.webhook_secret_set,
    ).toBe(true);
  });

  it('accepts a correct X-Attune-Signature and refuses every bad one, storing and publishing nothing', async () => {
    const body = JSON.stringify({ ref: 'main', sha: 'abc123' });
    const good = await post(body, { 'x-attune-signature': attuneSignature(SECRET, body, now()) });
    expect(good.status).toBe(202);
    const goodId = ((await good.json()) as { event_id: string }).event_id;
    await waitFor(async () => (await storedEvents()) === 1, {
      description: 'the signed event stored',
    });

    const changed = body.replace('abc123', 'abc124');
    const refused = [
      [
        'wrong signature',
        await post(body, {
          'x-attune-signature': attuneSignature('another-secret-value', body, now()),
        }),
      ],
      ['missing signature', await post(body, {})],
      [
        'old timestamp',
        await post(body, { 'x-attune-signature': attuneSignature(SECRET, body, now() - 301) }),
      ],
      [
        'one byte changed',
        await post(changed, { 'x-attune-signature': attuneSignature(SECRET, body, now()) }),
      ],
      [
        'GitHub format, wrong',
        await post(body, { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` }),
      ],
    ] as const;
    for (const [label, response] of refused) {
      expect([label, response.status]).toEqual([label, 401]);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
    }

    // A last good one marks the end: once it is through, anything refused before would be too.
    const marker = JSON.stringify({ marker: true });
    const last = await post(marker, {
      'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(marker).digest('hex')}`,
    });
    expect(last.status).toBe(202);
    const lastId = ((await last.json()) as { event_id: string }).event_id;
    await waitFor(async () => (await storedEvents()) === 2, { description: 'the marker stored' });
    await waitFor(() => tap.messages.length >= 2, { description: 'both events on the exchange' });
    const published = tap
      .bodies<{ payload: { event_id: string } }>()
      .map((m) => m.payload.event_id);
    expect(published).toEqual([goodId, lastId]);
    expect(await storedEvents()).toBe(2);
  });

  it('accepts a key with webhooks:send on the trigger instead of a signature, and no other key', async () => {
    const withKey = await suite.app.request('POST', '/api/v1/webhooks/signed.push', { by: 'key' });
    expect(withKey.status).toBe(202);
    await createRole(suite.app, 'other-hooks', [{ permission: 'webhooks:send', refs: 'other.*' }]);
    const { key } = await createKey(suite.app, 'other-hooks-key', 'other-hooks');
    const refused = await plainRequest(
      suite.app,
      'POST',
      '/api/v1/webhooks/signed.push',
      {},
      bearer(key),
    );
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe(
      "key 'other-hooks-key' (other-hooks) lacks webhooks:send on signed.push",
    );
    // A trigger without a secret takes keys only.
    const unsigned = await plainRequest(
      suite.app,
      'POST',
      '/api/v1/webhooks/core.webhook',
      {},
      {
        'x-attune-signature': attuneSignature(SECRET, '{}', now()),
      },
    );
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.message).toMatch(/needs a key with webhooks:send on core.webhook/);
  });
});
