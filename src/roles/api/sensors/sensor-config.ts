import { CronExpressionParser } from 'cron-parser';

export const SENSOR_TYPES = ['timer', 'http_poll'] as const;
export type SensorType = (typeof SENSOR_TYPES)[number];

/** Faster polling than this would be a load test, not a sensor. */
export const MIN_INTERVAL_MS = 100;
/** Node timers overflow past 2^31 - 1 ms (about 24.8 days). */
export const MAX_INTERVAL_MS = 2_147_483_647;

/** Problems with a sensor's config for its type, as "config.x …" messages; [] when valid. */
export function sensorConfigProblems(type: SensorType, config: Record<string, unknown>): string[] {
  return type === 'timer' ? timerProblems(config) : httpPollProblems(config);
}

function timerProblems(config: Record<string, unknown>): string[] {
  const hasInterval = config.interval_ms !== undefined;
  const hasCron = config.cron !== undefined;
  if (hasInterval === hasCron) {
    return ['config of a timer sensor must have exactly one of interval_ms or cron'];
  }
  const problems = unknownKeys(config, hasInterval ? ['interval_ms'] : ['cron']);
  if (hasInterval) problems.push(...intervalProblems(config.interval_ms));
  else problems.push(...cronProblems(config.cron));
  return problems;
}

function httpPollProblems(config: Record<string, unknown>): string[] {
  const problems = unknownKeys(config, ['url', 'interval_ms']);
  if (!isHttpUrl(config.url)) problems.push('config.url must be an http:// or https:// URL');
  problems.push(...intervalProblems(config.interval_ms));
  return problems;
}

function unknownKeys(config: Record<string, unknown>, allowed: string[]): string[] {
  return Object.keys(config)
    .filter((key) => !allowed.includes(key))
    .map((key) => `config has unknown property '${key}' (allowed: ${allowed.join(', ')})`);
}

function intervalProblems(value: unknown): string[] {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    return ['config.interval_ms must be a whole number of milliseconds'];
  }
  if (value < MIN_INTERVAL_MS || value > MAX_INTERVAL_MS) {
    return [`config.interval_ms must be between ${MIN_INTERVAL_MS} and ${MAX_INTERVAL_MS}`];
  }
  return [];
}

function cronProblems(value: unknown): string[] {
  if (typeof value !== 'string') return ['config.cron must be a string such as "*/5 * * * *"'];
  const fields = value.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6) {
    return [`config.cron must have 5 or 6 fields (seconds optional), not ${fields}`];
  }
  try {
    CronExpressionParser.parse(value);
    return [];
  } catch (error) {
    return [`config.cron is not a valid cron expression: ${(error as Error).message}`];
  }
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
