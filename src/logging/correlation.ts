import { AsyncLocalStorage } from 'node:async_hooks';

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
