import { randomUUID } from 'node:crypto';
import type { MessageHandler } from '@nestjs/microservices';
import type { Envelope } from '../../src/domain/messages';
import { MessageDispatcher } from '../../src/messaging/consumer-runtime/message-dispatcher';
import type { DeliveryInfo } from '../../src/messaging/message-context';
import { MetricsService } from '../../src/metrics/metrics.service';
import { Topology } from '../../src/messaging/topology';
import { currentCorrelation } from '../../src/logging/correlation';

const envelope = (retryCount = 0): Envelope => ({
  message_id: randomUUID(),
  correlation_id: randomUUID(),
  message_type: 'EventCreated',
  version: '1.0',
  timestamp: new Date().toISOString(),
  headers: { retry_count: retryCount, source_service: 'test', trace_id: randomUUID() },
  payload: {},
});
const delivery: DeliveryInfo = { queue: 'p.events.queue', consumerTag: 't', redelivered: false };

/** A handler that fails with each of `errors` in turn, then succeeds; it counts its calls. */
function failing(...errors: unknown[]) {
  const handler = Object.assign(
    async () => {
      handler.calls++;
      handler.correlations.push(currentCorrelation()?.correlationId);
      const error = errors.shift();
      if (error) throw error;
    },
    { calls: 0, correlations: [] as Array<string | undefined> },
  );
  return handler;
}

describe('MessageDispatcher', () => {
  const dispatcher = new MessageDispatcher(
    new MetricsService(),
    new Topology({ prefix: 'unit', retryBackoffMs: [1], executionQueueTtlMs: 1000 }),
  );

  it('runs the handler in the message correlation scope and says it was handled', async () => {
    const handler = failing();
    const message = envelope();
    const outcome = await dispatcher.dispatch(
      message,
      handler as unknown as MessageHandler,
      delivery,
      3,
    );
    expect(outcome).toEqual({ kind: 'handled' });
    expect(handler.correlations).toEqual([message.correlation_id]);
  });

  it('tries again in place while PostgreSQL is restarting, spending no retry', async () => {
    const restarting = Object.assign(
      new Error('terminating connection due to administrator command'),
      {
        code: '57P01',
      },
    );
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    const handler = failing(restarting, refused);
    // A queue without a retry ladder (a worker's): without this it would be dead-lettered.
    const outcome = await dispatcher.dispatch(
      envelope(),
      handler as unknown as MessageHandler,
      delivery,
      0,
    );
    expect(outcome).toEqual({ kind: 'handled' });
    expect(handler.calls).toBe(3);
  });

  it('sends other failures up the ladder, or to the dead-letter queue at its top', async () => {
    const handler = failing(new Error('bad data'));
    expect(
      await dispatcher.dispatch(envelope(1), handler as unknown as MessageHandler, delivery, 3),
    ).toEqual({
      kind: 'retry',
      attempt: 2,
      error: 'bad data',
    });
    expect(handler.calls).toBe(1);
    const again = failing(new Error('bad data'));
    expect(
      await dispatcher.dispatch(envelope(0), again as unknown as MessageHandler, delivery, 0),
    ).toEqual({
      kind: 'dead-letter',
      reason: 'retries-exhausted',
      error: 'bad data',
    });
  });
});
