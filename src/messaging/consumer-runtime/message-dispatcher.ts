import { Injectable } from '@nestjs/common';
import type { MessageHandler } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import type { Envelope } from '../../domain/messages';
import { runWithCorrelation } from '../../logging/correlation';
import { MetricsService } from '../../metrics/metrics.service';
import { DeliveryInfo, MessageContext } from '../message-context';
import { decideFailure, FailureDecision } from './failure-decision';

export type DeliveryOutcome = { kind: 'handled' } | FailureDecision;

/**
 * Runs the handler of a decoded message in its correlation scope, counts and times it, and
 * says what to do with the message: acknowledge it, retry it, or dead-letter it. What each of
 * those means on the wire is the transport's business.
 */
@Injectable()
export class MessageDispatcher {
  constructor(private readonly metrics: MetricsService) {}

  dispatch(
    envelope: Envelope,
    handler: MessageHandler,
    delivery: DeliveryInfo,
    ladderLength: number,
  ): Promise<DeliveryOutcome> {
    const scope = {
      correlationId: envelope.correlation_id,
      causationId: envelope.message_id,
      traceId: String(envelope.headers.trace_id ?? ''),
    };
    return runWithCorrelation(scope, () => this.run(envelope, handler, delivery, ladderLength));
  }

  private async run(
    envelope: Envelope,
    handler: MessageHandler,
    delivery: DeliveryInfo,
    ladderLength: number,
  ): Promise<DeliveryOutcome> {
    const queue = delivery.queue;
    const type = envelope.message_type;
    this.metrics.consumed.inc({ queue, type });
    const endTimer = this.metrics.handlerDuration.startTimer({ queue, type });
    try {
      const result = await handler(envelope.payload, new MessageContext([envelope, delivery]));
      if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
      this.metrics.acked.inc({ queue });
      return { kind: 'handled' };
    } catch (error) {
      return decideFailure(error, envelope.headers.retry_count ?? 0, ladderLength);
    } finally {
      endTimer();
    }
  }
}
