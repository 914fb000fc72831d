import { UnprocessableMessageError } from '../message-context';
import type { DeadLetterReason } from './delivery-decoder';

export type FailureDecision =
  | { kind: 'retry'; attempt: number; error: string }
  | { kind: 'dead-letter'; reason: DeadLetterReason; error: string };

/**
 * What becomes of a message whose handler threw: another try through the next rung of the
 * retry ladder, or the dead-letter queue once the ladder is climbed (at once for a message the
 * handler says can never succeed).
 */
export function decideFailure(
  error: unknown,
  retriesSoFar: number,
  ladderLength: number,
): FailureDecision {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof UnprocessableMessageError) {
    return { kind: 'dead-letter', reason: 'unprocessable', error: message };
  }
  if (retriesSoFar < ladderLength) {
    return { kind: 'retry', attempt: retriesSoFar + 1, error: message };
  }
  return { kind: 'dead-letter', reason: 'retries-exhausted', error: message };
}
