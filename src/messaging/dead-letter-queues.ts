import type { AppConfig } from '../config/app-config';
import type { MessagingNeeds } from './consumer-components';
import type { Headers } from './consumer-runtime/failure-headers';
import { DeadLetterMessage, UnknownDeadLetterQueueError } from './messaging.port';
import type { Topology } from './topology';

/**
 * The dead-letter queues an operator may inspect or replay, and the queue each replays into:
 * the same on both transports.
 */
export class DeadLetterQueues {
  /** Every dead-letter queue known here, with the queue its messages replay into. */
  readonly sources = new Map<string, string | undefined>();
  private readonly prefix: string;

  constructor(config: AppConfig, needs: MessagingNeeds, topology: Topology) {
    this.prefix = topology.prefix;
    for (const queue of topology.deadLetterQueues) {
      this.sources.set(queue.name, topology.sourceOfDeadLetterQueue(queue.name));
    }
    for (const component of needs.consumers) {
      if (component.instanceBoundAtRunTime) continue;
      const queues = component.queues(topology, config.instanceId);
      // Only durable sources can take a replay; an exclusive notifier queue is per connection.
      if (!this.sources.has(queues.deadLetter.name)) {
        this.sources.set(
          queues.deadLetter.name,
          queues.main.durable ? queues.main.name : undefined,
        );
      }
    }
  }

  /** Known DLQs first; otherwise the naming rule `<queue>.dlq` (a probe's, a newer component's). */
  sourceOf(queue: string): string | undefined {
    if (this.sources.has(queue)) return this.sources.get(queue);
    return queue.endsWith('.dlq') ? queue.slice(0, -'.dlq'.length) : undefined;
  }

  assertKnown(queue: string): void {
    const ours = queue.startsWith(`${this.prefix}.`) && queue.endsWith('.dlq');
    if (!this.sources.has(queue) && !ours) {
      const known = [...this.sources.keys()].join(', ');
      throw new UnknownDeadLetterQueueError(
        `unknown dead-letter queue '${queue}'; known: ${known}`,
      );
    }
  }
}

/** What a dead-lettered message's properties say, as the admin shows it. */
export interface DeadLetterProperties {
  messageId?: string;
  type?: string;
  correlationId?: string;
  headers?: Headers;
}

function header(headers: Headers | undefined, name: string): string | undefined {
  const value = headers?.[name];
  return value === undefined || value === null ? undefined : String(value);
}

export function describeDeadLetter(
  content: Buffer,
  properties: DeadLetterProperties,
): DeadLetterMessage {
  const text = content.toString('utf8');
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // keep the raw text: bad JSON is one reason messages land here
  }
  const headers = properties.headers;
  const death = (headers?.['x-death'] as Array<Record<string, unknown>> | undefined)?.[0];
  const retry = header(headers, 'x-retry-count');
  return {
    message_id: properties.messageId,
    message_type: properties.type,
    correlation_id: properties.correlationId,
    reason: header(headers, 'x-dead-letter-reason') ?? (death?.reason as string | undefined),
    error: header(headers, 'x-error'),
    retry_count: retry === undefined ? undefined : Number(retry),
    original_exchange:
      header(headers, 'x-original-exchange') ?? (death?.exchange as string | undefined),
    original_routing_key:
      header(headers, 'x-original-routing-key') ??
      (death?.['routing-keys'] as string[] | undefined)?.[0] ??
      undefined,
    failed_at: header(headers, 'x-failed-at'),
    body,
  };
}

/** A replayed message starts its retry ladder again. */
export function resetRetryCount(content: Buffer): Buffer {
  try {
    const envelope = JSON.parse(content.toString('utf8'));
    if (envelope && typeof envelope === 'object' && envelope.headers) {
      envelope.headers.retry_count = 0;
      return Buffer.from(JSON.stringify(envelope));
    }
  } catch {
    // not JSON: replay it as it was
  }
  return content;
}

/** The headers a replayed copy carries. */
export function replayHeaders(headers: Headers | undefined): Headers {
  return { ...(headers ?? {}), 'x-retry-count': 0, 'x-replayed-at': new Date().toISOString() };
}
