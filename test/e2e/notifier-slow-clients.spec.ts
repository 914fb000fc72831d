import { randomUUID } from 'node:crypto';
import { AttuneProcess } from '../support/attune-process';
import { TestDatabase } from '../support/database';
import { SseFeed, WsFeed } from '../support/live-feeds';
import { metricValue } from '../support/metrics';
import { deleteTopology, uniquePrefix, withChannel } from '../support/rabbit';
import { waitFor } from '../support/wait-for';

const BUFFER_BYTES = 262_144;
const BATCH = 2000;
/** Far more than the kernel's socket buffers and the notifier's limit take together. */
const MAX_NOTIFICATIONS = 200_000;
const RSS_CAP_BYTES = 512 * 1024 * 1024;

/**
 * NotificationCreated messages straight onto the fanout exchange, as the executor publishes them:
 * the volume a slow client needs to fall behind, without running that many executions.
 */
async function publishNotifications(prefix: string, count: number): Promise<void> {
  await withChannel(async (channel) => {
    const now = new Date().toISOString();
    for (let i = 0; i < count; i++) {
      const correlationId = randomUUID();
      const envelope = {
        message_id: randomUUID(),
        correlation_id: correlationId,
        message_type: 'NotificationCreated',
        version: '1.0',
        timestamp: now,
        headers: { retry_count: 0, source_service: 'test', trace_id: randomUUID() },
        payload: {
          notifications: [
            {
              kind: 'execution',
              execution_id: randomUUID(),
              action: 'load.test',
              status: 'succeeded',
              correlation_id: correlationId,
              created_at: now,
              at: now,
            },
          ],
        },
      };
      const body = Buffer.from(JSON.stringify(envelope));
      if (!channel.publish(`${prefix}.notifications`, '', body, { persistent: false })) {
        await new Promise((resolve) => channel.once('drain', resolve));
      }
    }
    await channel.waitForConfirms();
  });
}

describe('notifier: a client that stops reading', () => {
  const db = new TestDatabase();
  const prefix = uniquePrefix('slow');
  let notifier: AttuneProcess;

  beforeAll(async () => {
    await db.create();
    notifier = await AttuneProcess.startReady({
      roles: 'notifier',
      databaseUrl: db.url,
      prefix,
      // Heartbeats far apart: this test is about the send buffer, not unanswered pings.
      env: { NOTIFIER_CLIENT_BUFFER_BYTES: String(BUFFER_BYTES), NOTIFIER_HEARTBEAT_MS: '600000' },
    });
  });

  afterAll(async () => {
    await notifier?.stop();
    await deleteTopology(prefix);
    await db.drop();
  });

  const metrics = async () => (await notifier.request<string>('GET', '/metrics')).body;
  const dropped = (text: string, transport: string) =>
    metricValue(text, 'attune_notifier_clients_dropped_total', { transport, reason: 'too_slow' });

  it('is dropped with a close reason while the others keep receiving, and memory stays bounded', async () => {
    const wsUrl = `ws://127.0.0.1:${notifier.port}/ws`;
    const [reader, slowWs, slowSse] = await Promise.all([
      WsFeed.open(wsUrl),
      WsFeed.open(wsUrl),
      SseFeed.open(`${notifier.url}/api/v1/stream`),
    ]);
    slowWs.pause();
    slowSse.pause();

    let published = 0;
    await waitFor(
      async () => {
        if (published >= MAX_NOTIFICATIONS) throw new Error(`no drop after ${published}`);
        await publishNotifications(prefix, BATCH);
        published += BATCH;
        const text = await metrics();
        return dropped(text, 'ws') === 1 && dropped(text, 'sse') === 1;
      },
      { timeoutMs: 45_000, intervalMs: 1, description: 'both slow clients to be dropped' },
    );

    // The reader got everything so far and is still connected.
    await waitFor(() => reader.notifications.length === published, {
      description: `the reading client to receive all ${published} notifications`,
    });
    expect(reader.closed).toBeUndefined();

    // Once the slow clients read again, they find the reason at the end of what was queued.
    slowWs.resume();
    slowSse.resume();
    await waitFor(() => slowWs.closed, { description: 'the slow WebSocket to be closed' });
    expect(slowWs.closed).toEqual({
      code: 4000,
      reason: `too slow: send buffer over ${BUFFER_BYTES} bytes`,
    });
    await waitFor(() => slowSse.ended, { description: 'the slow SSE stream to end' });
    const last = slowSse.events[slowSse.events.length - 1];
    expect(last.event).toBe('error');
    expect(JSON.parse(last.data!)).toEqual({
      reason: `too slow: send buffer over ${BUFFER_BYTES} bytes`,
    });
    expect(slowWs.notifications.length).toBeLessThan(published);
    expect(slowSse.notifications.length).toBeLessThan(published);

    // The reader keeps receiving after the drops.
    await publishNotifications(prefix, 10);
    await waitFor(() => reader.notifications.length === published + 10, {
      description: 'the reading client to receive the notifications after the drops',
    });
    const text = await metrics();
    expect(metricValue(text, 'attune_notifier_clients', { transport: 'ws' })).toBe(1);
    expect(metricValue(text, 'attune_notifier_clients', { transport: 'sse' })).toBe(0);
    expect(metricValue(text, 'attune_process_resident_memory_bytes')).toBeLessThan(RSS_CAP_BYTES);
    reader.close();
  });
});
