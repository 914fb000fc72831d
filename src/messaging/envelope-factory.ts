import { randomUUID } from 'node:crypto';
import { Envelope, ENVELOPE_VERSION, MessageType, PayloadOf } from '../domain/messages';
import { currentCorrelation } from '../logging/correlation';

/**
 * The envelope every publish sends, whatever the transport: a new message id, the correlation
 * and trace of what is being handled (or new ones), and the publishing roles as its source.
 */
export function newEnvelope<T extends MessageType>(
  type: T,
  payload: PayloadOf<T>,
  source: string,
  correlationId?: string,
): Envelope<PayloadOf<T>> {
  const scope = currentCorrelation();
  return {
    message_id: randomUUID(),
    correlation_id: correlationId ?? scope?.correlationId ?? randomUUID(),
    message_type: type,
    version: ENVELOPE_VERSION,
    timestamp: new Date().toISOString(),
    headers: {
      retry_count: 0,
      source_service: source,
      trace_id: scope?.traceId ?? randomUUID(),
      ...(scope?.causationId ? { causation_id: scope.causationId } : {}),
    },
    payload,
  };
}
