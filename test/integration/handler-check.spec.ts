import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ConsumerComponent, OnMessage } from '../../src/messaging/consumer-components';
import type { Topology } from '../../src/messaging/topology';
import { TestDatabase } from '../support/database';
import { startMessagingHarness } from '../support/messaging-harness';
import { deleteTopology, uniquePrefix } from '../support/rabbit';

/** A component that receives two message types. */
const twoTypes: ConsumerComponent = {
  role: 'executor',
  name: 'two-types',
  handles: ['EventCreated', 'ExecutionRequested'],
  queues: (t: Topology) => t.retriedQueue(`${t.prefix}.two-types.queue`, []),
};

@Controller()
class HandlesOnlyEvents {
  @OnMessage(twoTypes, 'EventCreated')
  onEvent(@Payload() _event: unknown): void {}
}

@Controller()
class HandlesEventsToo {
  @OnMessage(twoTypes, 'EventCreated')
  onEvent(@Payload() _event: unknown): void {}

  @OnMessage(twoTypes, 'ExecutionRequested')
  onRequest(@Payload() _request: unknown): void {}
}

// A process whose handlers do not fit what its consumers receive stops at start with the reason,
// instead of dead-lettering (no handler) or acting twice (two handlers) at run time.
describe('start-up check of message handlers (real Nest app)', () => {
  const db = new TestDatabase();
  const prefix = uniquePrefix('handlers');

  beforeAll(() => db.create());
  afterAll(async () => {
    await deleteTopology(prefix);
    await db.drop();
  });

  const start = (controllers: Array<new () => unknown>) =>
    startMessagingHarness({
      databaseUrl: db.url,
      prefix,
      instanceId: 'check',
      components: [twoTypes],
      controllers,
    });

  it('refuses to start when a routed type has no handler', async () => {
    await expect(start([HandlesOnlyEvents])).rejects.toThrow(
      'message handlers do not fit the consumers: executor.two-types receives ExecutionRequested but has no handler for it',
    );
  });

  it('refuses to start when a type has two handlers', async () => {
    await expect(start([HandlesOnlyEvents, HandlesEventsToo])).rejects.toThrow(
      /executor.two-types has two handlers for EventCreated/,
    );
  });
});
