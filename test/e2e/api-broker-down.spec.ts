import { AttuneProcess, freePort } from '../support/attune-process';
import { TestDatabase } from '../support/database';
import { AMQP_URL } from '../support/env';
import { deleteTopology, uniquePrefix } from '../support/rabbit';
import { TcpProxy } from '../support/tcp-proxy';
import { waitFor } from '../support/wait-for';
import { send } from '../support/api-suite';

// The API reaches RabbitMQ through a proxy the test can cut: an unconfirmed publish is a 503
// that says why, never a 500 or a 202 for a message that was not sent.
describe('api: broker unreachable (api only)', () => {
  const db = new TestDatabase();
  const prefix = uniquePrefix('apibroker');
  let proxy: TcpProxy;
  let app: AttuneProcess;

  beforeAll(async () => {
    await db.create();
    const broker = new URL(AMQP_URL);
    proxy = new TcpProxy(await freePort(), broker.hostname, Number(broker.port || 5672));
    await proxy.open();
    broker.hostname = '127.0.0.1';
    broker.port = String(proxy.port);
    app = await AttuneProcess.startReady({
      roles: 'api',
      databaseUrl: db.url,
      prefix,
      env: { AMQP_URL: broker.toString(), MQ_PUBLISH_TIMEOUT_MS: '1000' },
    });
  });

  afterAll(async () => {
    await app?.stop();
    await proxy?.close();
    await deleteTopology(prefix);
    await db.drop();
  });

  it('answers 503 with the reason while the broker is away, and 202 once it is back', async () => {
    // The first confirm may take longer than the short timeout on a busy machine.
    await waitFor(
      async () =>
        (await send(app, 'POST', '/api/v1/webhooks/core.webhook', { json: {} })).status === 202,
      { description: 'a webhook accepted while the broker is reachable' },
    );
    await proxy.close();
    await waitFor(async () => (await app.health('ready')).status === 503, {
      description: 'readiness to notice the broker is gone',
    });

    const refused = await send(app, 'POST', '/api/v1/webhooks/core.webhook', { json: { a: 1 } });
    expect(refused.status).toBe(503);
    expect(refused.body.message).toMatch(/not confirmed within 1000 ms/);

    // Reads need no broker.
    expect((await send(app, 'GET', '/api/v1/triggers/core.webhook')).status).toBe(200);

    await proxy.open();
    await waitFor(
      async () =>
        (await send(app, 'POST', '/api/v1/webhooks/core.webhook', { json: {} })).status === 202,
      { description: 'webhooks accepted again after the broker is back', timeoutMs: 30_000 },
    );
  });
});
