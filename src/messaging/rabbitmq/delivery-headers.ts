import type { ConsumeMessage } from 'amqplib';

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
export function originHeaders(msg: ConsumeMessage): Record<string, unknown> {
  const headers = { ...(msg.properties.headers ?? {}) };
  headers['x-original-exchange'] ??= msg.fields.exchange;
  headers['x-original-routing-key'] ??= msg.fields.routingKey;
  return headers;
}

/** The x-death entry of the real dead-lettering, skipping expiries from our own retry queues. */
export function originalDeath(
  msg: ConsumeMessage,
): { reason?: string; queue?: string } | undefined {
  const deaths = msg.properties.headers?.['x-death'] as
    Array<{ reason?: string; queue?: string }> | undefined;
  return deaths?.find((death) => !/\.retry\.\d+$/.test(death.queue ?? ''));
}

export function truncate(text: string, max = 2000): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
