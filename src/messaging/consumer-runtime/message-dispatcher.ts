import { Injectable, Logger } from '@nestjs/common';
import { backoffDelay, delay } from '../../common/backoff';
import { isDatabaseUnavailable } from '../../database/database-errors';
import type { MessageHandler } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import type { Envelope } from '../../domain/messages';
import { runWithCorrelation } from '../../logging/correlation';
import { MetricsService } from '../../metrics/metrics.service';
import { DeliveryInfo, MessageContext } from '../message-context';
import { Topology } from '../topology';
import { decideFailure, FailureDecision } from './failure-decision';

export type DeliveryOutcome = { kind: 'handled' } | FailureDecision;

/** How long a handler is tried again in place while PostgreSQL is away; then the usual way. */
const DATABASE_WAIT_MAX_MS = 120_000;

/**
 * Runs the handler of a decoded message in its correlation scope, counts and times it, and
 * says what to do with the message: acknowledge it, retry it, or dead-letter it. What each of
 * those means on the wire is the transport's business.
 */
@Injectable()
export class MessageDispatcher {
  private readonly logger = new Logger('Consumers');

  constructor(
    private readonly metrics: MetricsService,
    private readonly topology: Topology,
  ) {}

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
    const queueLabel = this.topology.queueMetricLabel(queue);
    this.metrics.consumed.inc({ queue: queueLabel, type });
    const endTimer = this.metrics.handlerDuration.startTimer({ queue: queueLabel, type });
    const context = new MessageContext([envelope, delivery]);
    const started = Date.now();
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          const result = await handler(envelope.payload, context);
          if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
          this.metrics.acked.inc({ queue: queueLabel });
          return { kind: 'handled' };
        } catch (error) {
          // PostgreSQL restarting is not the message's fault: try again in place, so it neither
          // climbs the retry ladder nor, on a queue without one, lands in a dead-letter queue.
          if (!isDatabaseUnavailable(error) || Date.now() - started > DATABASE_WAIT_MAX_MS) {
            return decideFailure(error, envelope.headers.retry_count ?? 0, ladderLength);
          }
          const wait = backoffDelay(attempt, 250, 5000);
          this.logger.warn(
            `${type} ${envelope.message_id} on ${queue}: database unavailable (${(error as Error).message}); trying again in ${wait} ms`,
          );
          await delay(wait);
        }
      }
    } finally {
      endTimer();
    }
  }
}
