import type { MessageHandler } from '@nestjs/microservices';
import {
  Envelope,
  envelopeProblem,
  isMessageType,
  MessageType,
  payloadProblem,
} from '../../domain/messages';

/** Why a message went to a dead-letter queue (the `x-dead-letter-reason` header). */
export type DeadLetterReason =
  | 'invalid-json'
  | 'invalid-envelope'
  | 'unknown-type'
  | 'invalid-payload'
  | 'unprocessable'
  | 'retries-exhausted';

export type DecodedDelivery =
  | { ok: true; envelope: Envelope; handler: MessageHandler }
  | { ok: false; reason: DeadLetterReason; error: string };

/**
 * Turns a message body into an envelope and the handler that takes it, or says why it never
 * can be handled (so it goes straight to the dead-letter queue, without retries): not JSON,
 * not an envelope, a type this component does not handle, a payload that fails its schema.
 * Transport-neutral: RabbitMQ and PostgreSQL deliveries go through the same checks.
 */
export function decodeDelivery(
  body: Buffer,
  component: string,
  handlerFor: (type: MessageType) => MessageHandler | null,
): DecodedDelivery {
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString('utf8'));
  } catch (error) {
    return reject('invalid-json', `body is not JSON: ${(error as Error).message}`);
  }
  const malformed = envelopeProblem(raw);
  if (malformed) return reject('invalid-envelope', `not an Attune envelope: ${malformed}`);
  const envelope = raw as Envelope;
  const type = envelope.message_type;
  if (!isMessageType(type)) return reject('unknown-type', `unknown message type '${type}'`);
  const handler = handlerFor(type);
  if (!handler) return reject('unknown-type', `${component} does not handle ${type} messages`);
  const problem = payloadProblem(type, envelope.payload);
  if (problem) return reject('invalid-payload', `invalid ${type} payload: ${problem}`);
  return { ok: true, envelope, handler };
}

function reject(reason: DeadLetterReason, error: string): DecodedDelivery {
  return { ok: false, reason, error };
}
