import { randomUUID } from 'node:crypto';
import type { MessageHandler } from '@nestjs/microservices';
import { loadConfig } from '../../src/config/app-config';
import type { MessageType } from '../../src/domain/messages';
import { CONSUMERS } from '../../src/messaging/consumer-components';
import { decodeDelivery } from '../../src/messaging/consumer-runtime/delivery-decoder';
import { decideFailure } from '../../src/messaging/consumer-runtime/failure-decision';
import {
  HandlerMismatchError,
  HandlerRegistry,
} from '../../src/messaging/consumer-runtime/handler-registry';
import { UnprocessableMessageError } from '../../src/messaging/message-context';
import { routeFor } from '../../src/messaging/routes';
import { Topology } from '../../src/messaging/topology';
import { handlerPattern } from '../../src/messaging/consumer-components';

const topology = new Topology(loadConfig({ MQ_PREFIX: 'p' }).messaging);
const uuid = randomUUID();

describe('routes: where each message type goes', () => {
  it.each([
    [
      'EventCreated',
      { event_id: uuid, trigger: 'demo.alert' },
      'p.events',
      'event.demo.alert',
      true,
    ],
    ['ExecutionRequested', {}, 'p.executions', 'execution.requested', true],
    ['ExecutionStatusChanged', {}, 'p.executions', 'execution.status', true],
    ['ExecutionCompleted', {}, 'p.executions', 'execution.status', true],
    ['InquiryCreated', {}, 'p.executions', 'execution.status', true],
    ['InquiryResponded', {}, 'p.executions', 'execution.status', true],
    ['NotificationCreated', {}, 'p.notifications', '', false],
  ])('%s → %s / %s', (type, payload, exchange, routingKey, mandatory) => {
    expect(routeFor(topology, type as MessageType, payload as never)).toEqual({
      exchange,
      routingKey,
      mandatory,
    });
  });

  it('sends to one worker when told which, and insists on it for cancels', () => {
    expect(routeFor(topology, 'ExecutionRequested', {} as never, { workerId: 'w' })).toEqual({
      exchange: 'p.executions',
      routingKey: 'worker.w',
      mandatory: true,
    });
    expect(() => routeFor(topology, 'ExecutionCancelRequested', {} as never)).toThrow(/workerId/);
  });
});

describe('decoding a delivery', () => {
  const handler = (async () => undefined) as unknown as MessageHandler;
  const decode = (body: unknown, handles: MessageType[] = ['EventCreated']) =>
    decodeDelivery(
      Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
      'executor.enforcement',
      (type) => (handles.includes(type) ? handler : null),
    );
  const envelope = (type: string, payload: unknown) => ({
    message_id: uuid,
    correlation_id: uuid,
    message_type: type,
    version: '1.0',
    timestamp: new Date().toISOString(),
    headers: {},
    payload,
  });
  const event = {
    event_id: uuid,
    trigger: 't.x',
    payload: {},
    source: 'webhook',
    occurred_at: new Date().toISOString(),
  };

  it('hands a valid message to its handler', () => {
    const decoded = decode(envelope('EventCreated', event));
    expect(decoded).toMatchObject({ ok: true, handler });
    expect(decoded.ok && decoded.envelope.headers.retry_count).toBe(0);
  });

  it.each([
    ['not JSON', '{nope', 'invalid-json', /body is not JSON/],
    ['not an envelope', { hello: 1 }, 'invalid-envelope', /message_id must be a non-empty string/],
    [
      'an unknown type',
      envelope('Teleported', {}),
      'unknown-type',
      /unknown message type 'Teleported'/,
    ],
    [
      'a type this component does not take',
      envelope('NotificationCreated', {}),
      'unknown-type',
      /executor.enforcement does not handle NotificationCreated/,
    ],
    [
      'a payload off its schema',
      envelope('EventCreated', { event_id: 'x' }),
      'invalid-payload',
      /invalid EventCreated payload: event_id/,
    ],
  ])('dead-letters %s at once', (_label, body, reason, error) => {
    const decoded = decode(body);
    expect(decoded).toMatchObject({ ok: false, reason, error: expect.stringMatching(error) });
  });
});

describe('deciding what a failed handler means', () => {
  it('climbs the retry ladder, then dead-letters as retries-exhausted', () => {
    expect(decideFailure(new Error('db away'), 0, 3)).toEqual({
      kind: 'retry',
      attempt: 1,
      error: 'db away',
    });
    expect(decideFailure(new Error('db away'), 2, 3)).toEqual({
      kind: 'retry',
      attempt: 3,
      error: 'db away',
    });
    expect(decideFailure(new Error('db away'), 3, 3)).toEqual({
      kind: 'dead-letter',
      reason: 'retries-exhausted',
      error: 'db away',
    });
    expect(decideFailure('a string', 0, 0)).toMatchObject({
      reason: 'retries-exhausted',
      error: 'a string',
    });
  });

  it('dead-letters at once what can never succeed', () => {
    expect(decideFailure(new UnprocessableMessageError('no runner'), 0, 3)).toEqual({
      kind: 'dead-letter',
      reason: 'unprocessable',
      error: 'no runner',
    });
  });
});

describe('start-up check of handlers against consumers', () => {
  const handler = () => (async () => undefined) as unknown as MessageHandler;
  const handlers = (...entries: Array<[string, MessageHandler]>) => new Map(entries);

  it('accepts exactly one handler for each type routed to each consumer', () => {
    const manager = CONSUMERS.executionManager;
    const registry = new HandlerRegistry(
      handlers(
        ...manager.handles.map((type): [string, MessageHandler] => [
          handlerPattern(manager, type),
          handler(),
        ]),
      ),
      [manager],
    );
    expect(registry.handlerFor(manager, 'ExecutionCompleted')).toEqual(expect.any(Function));
  });

  it('refuses a routed type without a handler, two handlers, and a handler nothing routes to', () => {
    const scheduler = CONSUMERS.scheduler;
    expect(() => new HandlerRegistry(handlers(), [scheduler])).toThrow(
      'message handlers do not fit the consumers: executor.scheduler receives ExecutionRequested but has no handler for it',
    );
    const first = handler();
    (first as unknown as { next: MessageHandler }).next = handler();
    expect(
      () =>
        new HandlerRegistry(handlers([handlerPattern(scheduler, 'ExecutionRequested'), first]), [
          scheduler,
        ]),
    ).toThrow(/executor.scheduler has two handlers for ExecutionRequested/);
    expect(
      () =>
        new HandlerRegistry(
          handlers(
            [handlerPattern(scheduler, 'ExecutionRequested'), handler()],
            [handlerPattern(scheduler, 'EventCreated'), handler()],
          ),
          [scheduler],
        ),
    ).toThrow(HandlerMismatchError);
  });
});
