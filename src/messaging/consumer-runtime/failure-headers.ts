import { isRetryQueue } from '../topology';
import type { DeadLetterReason } from './delivery-decoder';

/** Message headers as both transports carry them (AMQP headers; a JSON object in PostgreSQL). */
export type Headers = Record<string, unknown>;

export function truncate(text: string, max = 2000): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Keeps where the message first came from across retries and dead-lettering. */
export function withOrigin(headers: Headers, exchange: string, routingKey: string): Headers {
  const result = { ...headers };
  result['x-original-exchange'] ??= exchange;
  result['x-original-routing-key'] ??= routingKey;
  return result;
}

/** The headers of the copy that takes rung `attempt` of the retry ladder. */
export function retryHeaders(origin: Headers, attempt: number, error: string): Headers {
  return { ...origin, 'x-retry-count': attempt, 'x-last-error': truncate(error) };
}

/** The headers of a dead-lettered copy: why, the error, and where and when it failed. */
export function deadLetterHeaders(
  origin: Headers,
  failure: {
    reason: DeadLetterReason;
    error: string;
    retryCount: number;
    sourceQueue: string;
    consumerTag: string;
  },
): Headers {
  return {
    ...origin,
    'x-retry-count': failure.retryCount,
    'x-dead-letter-reason': failure.reason,
    'x-error': truncate(failure.error),
    'x-source-queue': failure.sourceQueue,
    'x-consumer': failure.consumerTag,
    'x-failed-at': new Date().toISOString(),
  };
}

/** The x-death entry of the real dead-lettering, skipping expiries from RabbitMQ's retry queues. */
export function originalDeath(
  headers: Headers | undefined,
): { reason?: string; queue?: string } | undefined {
  const deaths = headers?.['x-death'] as Array<{ reason?: string; queue?: string }> | undefined;
  return deaths?.find((death) => !isRetryQueue(death.queue ?? ''));
}

/** Why a delivered message was dead-lettered, if it was, and from which queue. */
export function deathOf(headers: Headers | undefined): { reason?: string; queue?: string } {
  const death = originalDeath(headers);
  return {
    reason: death?.reason ?? (headers?.['x-dead-letter-reason'] as string | undefined),
    queue: death?.queue,
  };
}
