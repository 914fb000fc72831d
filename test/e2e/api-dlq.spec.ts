import { randomUUID } from 'node:crypto';
import { withChannel } from '../support/rabbit';
import { waitFor } from '../support/wait-for';
import { ApiSuite, queueDepths, send, startApiSuite, stopApiSuite } from '../support/api-suite';

// ROLES=api only, so a replayed message stays visible in the queue it was sent back to.
describe('api: dead-letter queues (api only)', () => {
  let suite: ApiSuite;
  let eventsQueue: string;
  let eventsDlq: string;
  const messageId = randomUUID();
  const correlationId = randomUUID();

  beforeAll(async () => {
    suite = await startApiSuite('apidlq', 'api');
    eventsQueue = `${suite.prefix}.events.queue`;
    eventsDlq = `${eventsQueue}.dlq`;
    // Dead-letter one message the way the consumer runner does: through the DLX, keyed by
    // the queue it failed on, with the error in its headers.
    await withChannel(async (channel) => {
      channel.publish(
        `${suite.prefix}.dlx`,
        eventsQueue,
        Buffer.from(JSON.stringify({ message_id: messageId, payload: { broken: true } })),
        {
          messageId,
          correlationId,
          type: 'EventCreated',
          persistent: true,
          headers: { 'x-error': 'trigger exploded', 'x-retry-count': 3 },
        },
      );
      await channel.waitForConfirms();
    });
  });

  afterAll(async () => {
    await stopApiSuite(suite);
  });

  it('lists every dead-letter queue with its count and where replay sends it', async () => {
    const list = await waitFor(
      async () => {
        const response = await send(suite.app, 'GET', '/api/v1/dlq');
        const events = response.body.items?.find((q: { queue: string }) => q.queue === eventsDlq);
        return events?.messages === 1 ? response.body : undefined;
      },
      { description: `one message in ${eventsDlq}` },
    );
    expect(list.total).toBe(list.items.length);
    expect(list.items).toEqual(
      expect.arrayContaining([
        { queue: eventsDlq, source: eventsQueue, messages: 1 },
        expect.objectContaining({ queue: `${suite.prefix}.executions.queue.dlq`, messages: 0 }),
      ]),
    );
  });

  it('peeks without taking the message away', async () => {
    const peek = await send(suite.app, 'GET', `/api/v1/dlq/${eventsDlq}/messages?limit=5`);
    expect(peek.status).toBe(200);
    expect(peek.body.total).toBe(1);
    expect(peek.body.items).toEqual([
      expect.objectContaining({
        message_id: messageId,
        message_type: 'EventCreated',
        correlation_id: correlationId,
        error: 'trigger exploded',
        body: { message_id: messageId, payload: { broken: true } },
      }),
    ]);
    const again = await send(suite.app, 'GET', `/api/v1/dlq/${eventsDlq}/messages`);
    expect(again.body.items).toHaveLength(1);
  });

  it('replays the message into the queue it failed on', async () => {
    const replay = await send(suite.app, 'POST', `/api/v1/dlq/${eventsDlq}/replay`, {
      json: { limit: 10 },
    });
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({ replayed: 1, remaining: 0 });
    await waitFor(
      async () => {
        const depths = await queueDepths(suite.prefix);
        return depths[eventsQueue] === 1 && depths[eventsDlq] === 0;
      },
      { description: `the message back in ${eventsQueue}` },
    );
    const empty = await send(suite.app, 'POST', `/api/v1/dlq/${eventsDlq}/replay`);
    expect(empty.body).toEqual({ replayed: 0, remaining: 0 });
  });

  it('refuses unknown and non-replayable queues', async () => {
    const unknown = await send(suite.app, 'GET', '/api/v1/dlq/nope.dlq/messages');
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toContain("unknown dead-letter queue 'nope.dlq'");
    const notReplayable = await send(
      suite.app,
      'POST',
      `/api/v1/dlq/${suite.prefix}.notifications.dlq/replay`,
    );
    expect(notReplayable.status).toBe(409);
    expect(notReplayable.body.message).toMatch(/not replayable/);
  });
});
