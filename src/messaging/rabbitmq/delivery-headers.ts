import type { ConsumeMessage } from 'amqplib';
import { Headers, withOrigin } from '../consumer-runtime/failure-headers';

/** The AMQP properties a retried or dead-lettered copy keeps. */
export function passThroughProperties(msg: ConsumeMessage) {
  const p = msg.properties;
  return {
    messageId: p.messageId as string | undefined,
    correlationId: p.correlationId as string | undefined,
    type: p.type as string | undefined,
    timestamp: p.timestamp as number | undefined,
  };
}

/** Keeps where the message first came from across retries and dead-lettering. */
export function originHeaders(msg: ConsumeMessage): Headers {
  return withOrigin(msg.properties.headers ?? {}, msg.fields.exchange, msg.fields.routingKey);
}
