import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { isUuid } from '../common/uuid';

export interface CorrelationScope {
  correlationId: string;
  /** The id of the message being handled, so messages published from it can name their cause. */
  causationId?: string;
  traceId?: string;
}

const storage = new AsyncLocalStorage<CorrelationScope>();

/** Runs `fn` with a correlation scope that log lines and published messages pick up. */
export function runWithCorrelation<T>(scope: CorrelationScope, fn: () => T): T {
  return storage.run(scope, fn);
}

export function currentCorrelation(): CorrelationScope | undefined {
  return storage.getStore();
}

/** The caller's correlation id if it is a UUID (they are stored as uuid columns), else a new one. */
export function correlationIdFrom(given: unknown): string {
  return isUuid(given) ? given : randomUUID();
}
