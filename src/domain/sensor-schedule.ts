import { CronExpressionParser } from 'cron-parser';

/** A timer fires every `interval_ms` (aligned to the epoch) or on a cron expression. */
export type TimerConfig = { interval_ms: number } | { cron: string };

/**
 * The most recent tick at or before `now`. Every replica computes the same tick for the same
 * moment, which is what lets one of them claim it and the others see it is taken.
 */
export function latestTick(config: TimerConfig, now: Date): Date {
  if ('cron' in config) {
    return CronExpressionParser.parse(config.cron, { currentDate: new Date(now.getTime() + 1) })
      .prev()
      .toDate();
  }
  const interval = config.interval_ms;
  return new Date(Math.floor(now.getTime() / interval) * interval);
}

/**
 * Whether a tick is still worth firing: a sensor that was down does not replay every tick it
 * missed, it fires the latest one only if it is recent.
 */
export function isTickDue(tick: Date, lastFired: Date | null, now: Date, graceMs: number): boolean {
  if (lastFired && tick.getTime() <= lastFired.getTime()) return false;
  return now.getTime() - tick.getTime() <= graceMs;
}
