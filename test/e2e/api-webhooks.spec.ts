import { randomUUID } from 'node:crypto';
import { ExchangeTap } from '../support/rabbit';
import { waitFor } from '../support/wait-for';
import { ApiSuite, send, startApiSuite, stopApiSuite } from '../support/api-suite';

// With the executor in the process, the enforcement processor consumes EventCreated and stores
// the event; the API itself never writes on the webhook path.
describe('api: webhooks publish EventCreated (api,executor)', () => {
  let suite: ApiSuite;
  let tap: ExchangeTap;
  const correlationId = randomUUID();
  const payload = { severity: 'high', host: 'db-1', tags: ['a', 'b'] };
  let eventId: string;

  beforeAll(async () => {
    suite = await startApiSuite('apihook', 'api,executor');
    tap = await ExchangeTap.open(`${suite.prefix}.events`, 'event.hook.alert');
  });

  afterAll(async () => {
    await tap?.close();
    await stopApiSuite(suite);
  });

  it('sets up a trigger, an action and a rule through the API', async () => {
    const api = (path: string, json: unknown) =>
      send(suite.app, 'POST', `/api/v1${path}`, { json });
    const trigger = await api('/triggers', {
      ref: 'hook.alert',
      payload_schema: {
        type: 'object',
        properties: { severity: { enum: ['low', 'high'] } },
        required: ['severity'],
      },
    });
    expect(trigger.status).toBe(201);
    expect((await api('/actions', { ref: 'hook.page', runner: 'echo' })).status).toBe(201);
    const rule = await api('/rules', {
      ref: 'hook.on_alert',
      trigger: 'hook.alert',
      criteria: { 'payload.severity': { eq: 'high' } },
      action: 'hook.page',
      parameters: { host: '{{ event.payload.host }}' },
    });
    expect(rule.status).toBe(201);
  });

  it('answers 202 with the event id once EventCreated is published on event.<trigger>', async () => {
    const response = await send(suite.app, 'POST', '/api/v1/webhooks/hook.alert', {
      json: payload,
      headers: { 'x-correlation-id': correlationId },
    });
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ event_id: expect.any(String) });
    expect(response.headers.get('x-correlation-id')).toBe(correlationId);
    // Neither a hash of every body nor a framework banner.
    expect(response.headers.get('etag')).toBeNull();
    expect(response.headers.get('x-powered-by')).toBeNull();
    // Idle connections outlive a load balancer's 60 s, so clients never reuse one being closed.
    expect(response.headers.get('keep-alive')).toBe('timeout=65');
    eventId = response.body.event_id;

    // Published before the 202, so it is already on its way to the tap.
    const message = await waitFor(
      () => tap.messages.find((m) => JSON.parse(m.content.toString()).payload.event_id === eventId),
      { description: `EventCreated for ${eventId}` },
    );
    expect(message.fields.routingKey).toBe('event.hook.alert');
    expect(message.properties.correlationId).toBe(correlationId);
    const envelope = JSON.parse(message.content.toString());
    expect(envelope).toMatchObject({
      message_type: 'EventCreated',
      correlation_id: correlationId,
      payload: { event_id: eventId, trigger: 'hook.alert', payload, source: 'webhook' },
    });
    expect(Number.isNaN(Date.parse(envelope.payload.occurred_at))).toBe(false);
  });

  it('the event is stored by the executor and readable through the API', async () => {
    const stored = await waitFor(
      async () => {
        const response = await send(suite.app, 'GET', `/api/v1/events/${eventId}`);
        return response.status === 200 ? response.body : undefined;
      },
      { description: `event ${eventId} to be stored`, timeoutMs: 15_000 },
    );
    expect(stored).toMatchObject({
      id: eventId,
      trigger: 'hook.alert',
      payload,
      source: 'webhook',
      correlation_id: correlationId,
    });
    const listed = await send(suite.app, 'GET', '/api/v1/events?trigger=hook.alert');
    expect(listed.body.items.map((e: { id: string }) => e.id)).toContain(eventId);
  });

  it('a webhook may target any trigger, and its JSON body is the payload', async () => {
    const webhookTap = await ExchangeTap.open(`${suite.prefix}.events`, 'event.core.webhook');
    try {
      const response = await send(suite.app, 'POST', '/api/v1/webhooks/core.webhook', {
        json: [1, 'two', { three: 3 }],
      });
      expect(response.status).toBe(202);
      const message = await waitFor(() => webhookTap.messages[0], {
        description: 'EventCreated for core.webhook',
      });
      const envelope = JSON.parse(message.content.toString());
      expect(envelope.payload.payload).toEqual([1, 'two', { three: 3 }]);
      // No x-correlation-id sent: the one the API made up is echoed and carried.
      expect(envelope.correlation_id).toBe(response.headers.get('x-correlation-id'));
    } finally {
      await webhookTap.close();
    }
  });
});
