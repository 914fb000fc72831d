import { randomUUID } from 'node:crypto';
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import type { PayloadOf } from '../../src/domain/messages';
import { ConsumerComponent, OnMessage } from '../../src/messaging/consumer-components';
import { MessageContext } from '../../src/messaging/message-context';
import { Topology } from '../../src/messaging/topology';

// A probe consumer for the messaging suites: it records every delivery and fails on demand.

/** A probe component on its own queue with the usual retry ladder and DLQ. */
export const probe: ConsumerComponent = {
  role: 'executor',
  name: 'probe',
  handles: ['EventCreated'],
  queues: (t: Topology) =>
    t.retriedQueue(`${t.prefix}.probe.queue`, [
      { exchange: t.exchanges.events.name, routingKey: 'event.probe.*' },
    ]),
};

interface Attempt {
  key: string;
  consumerTag: string;
  at: number;
  retryCount: number;
  redelivered: boolean;
}
export const attempts: Attempt[] = [];
export const failuresLeft = new Map<string, number>();
export const attemptsOf = (key: string) => attempts.filter((a) => a.key === key);

@Controller()
export class Probe {
  @OnMessage(probe, 'EventCreated')
  handle(@Payload() event: PayloadOf<'EventCreated'>, @Ctx() context: MessageContext): void {
    const key = (event.payload as { key: string }).key;
    attempts.push({
      key,
      consumerTag: context.delivery.consumerTag,
      at: Date.now(),
      retryCount: context.envelope.headers.retry_count,
      redelivered: context.delivery.redelivered,
    });
    const left = failuresLeft.get(key) ?? 0;
    if (left > 0) {
      failuresLeft.set(key, left - 1);
      throw new Error(`probe failure for ${key}`);
    }
  }
}

export const probeEvent = (key: string): PayloadOf<'EventCreated'> => ({
  event_id: randomUUID(),
  trigger: 'probe.x',
  payload: { key },
  source: 'test',
  occurred_at: new Date().toISOString(),
});
