import type { ServerResponse } from 'node:http';
import { Injectable } from '@nestjs/common';
import { MessagePublisher } from '../../../messaging/messaging.port';
import { assertNoProblems, notFound } from '../../../common/errors';
import { checkAgainst } from '../../../executions/user-schema';
import { TriggerCatalog } from '../triggers/trigger-catalog';
import { WebhookAuthenticator, WebhookRequest } from './webhook-authenticator';
import { historyRowId } from '../../../common/uuid';

/**
 * Turns a webhook into an EventCreated message. The hot path of the API: a cached key (or a
 * signature) check, a cached trigger lookup and one confirmed publish, no database write (the
 * executor stores the event when it consumes the message).
 */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly triggers: TriggerCatalog,
    private readonly publisher: MessagePublisher,
    private readonly authenticator: WebhookAuthenticator,
  ) {}

  async receive(
    triggerRef: string,
    payload: unknown,
    request: WebhookRequest,
    response: ServerResponse,
  ): Promise<{ event_id: string }> {
    const trigger = await this.triggers.get(triggerRef);
    const signature = this.authenticator.authorize(triggerRef, trigger, request, response);
    if (signature) await signature;
    if (!trigger) throw notFound('trigger', triggerRef);
    if (trigger.payloadSchema) {
      assertNoProblems(checkAgainst(trigger.payloadSchema, payload, 'payload'));
    }
    const eventId = historyRowId();
    // The correlation id is the request's (see CorrelationMiddleware).
    await this.publisher.publish('EventCreated', {
      event_id: eventId,
      trigger: trigger.ref,
      payload,
      source: 'webhook',
      occurred_at: new Date().toISOString(),
    });
    return { event_id: eventId };
  }
}
