import type { RunnerName } from '../../../domain/core-pack';

export interface RunContext {
  executionId: string;
  parameters: Record<string, unknown>;
  /** Aborted on timeout, cancel or shutdown: stop and return promptly. */
  signal: AbortSignal;
  timeoutMs: number;
}

export type RunOutcome =
  | { status: 'succeeded' | 'failed'; result: unknown; error?: string }
  /** core.ask: the execution waits for a person; the worker is done with it. */
  | {
      status: 'paused';
      inquiry: { prompt: string; schema: Record<string, unknown> | null; timeoutMs: number };
    };

export interface Runner {
  readonly name: RunnerName;
  /**
   * No side effects and no waiting (noop, echo): it may run before the worker's claim, whose
   * statement then records the outcome too.
   */
  readonly pure?: boolean;
  run(context: RunContext): Promise<RunOutcome>;
}

/** Resolves after `ms`, or rejects as soon as `signal` aborts. */
export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
