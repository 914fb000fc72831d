import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { parseRoles, RoleName } from './roles';

const integer = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const urlWithProtocol = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine(
      (value) => {
        try {
          return protocols.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
    );

const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((value) => ['true', '1', 'yes'].includes(value));

const millisecondList = z
  .string()
  .trim()
  .regex(/^\d+(\s*,\s*\d+)*$/, 'must be a comma list of milliseconds, e.g. 1000,5000,30000')
  .transform((value) => value.split(',').map((part) => Number(part.trim())));

/** Every environment variable Attune reads, with its default. `.env.example` mirrors this. */
const environmentSchema = z.object({
  ROLES: z.string().default('all'),
  PORT: integer(0, 65535).default(3000),
  INSTANCE_ID: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_.-]+$/, 'may hold only letters, digits, dot, dash and underscore')
    .optional(),
  DATABASE_URL: urlWithProtocol(['postgres:', 'postgresql:']).default(
    'postgres://postgres@127.0.0.1:5432/attune',
  ),
  DATABASE_MIGRATE_ON_START: boolean.default(true),
  AMQP_URL: urlWithProtocol(['amqp:', 'amqps:']).default('amqp://guest:guest@127.0.0.1:5672'),
  MQ_PREFIX: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be lower-case letters, digits, dash or underscore')
    .default('attune'),
  MQ_PREFETCH: integer(1, 65535).default(50),
  MQ_PUBLISH_TIMEOUT_MS: integer(100).default(10_000),
  EXECUTION_QUEUE_TTL_MS: integer(1).default(300_000),
  RETRY_BACKOFF_MS: millisecondList.default([1000, 5000, 30_000]),
  WORKER_NAME: z.string().trim().min(1).max(200).default(hostname()),
  WORKER_CAPACITY: integer(1, 10_000).default(10),
  WORKER_HEARTBEAT_MS: integer(100).default(10_000),
  NOTIFIER_HEARTBEAT_MS: integer(100).default(15_000),
  NOTIFIER_CLIENT_BUFFER_BYTES: integer(1024).default(1_048_576),
  SHUTDOWN_GRACE_MS: integer(0).default(30_000),
  HTTP_BODY_LIMIT: z
    .string()
    .trim()
    .regex(/^\d+(b|kb|mb)$/i, 'must be a size such as 512kb or 1mb')
    .default('1mb'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface AppConfig {
  roles: RoleName[];
  instanceId: string;
  http: { port: number; bodyLimit: string };
  database: { url: string; migrateOnStart: boolean };
  messaging: {
    url: string;
    prefix: string;
    prefetch: number;
    publishTimeoutMs: number;
    executionQueueTtlMs: number;
    retryBackoffMs: number[];
  };
  worker: { name: string; capacity: number; heartbeatMs: number };
  /** Live clients: ping/comment interval, and bytes queued for one client before it is dropped. */
  notifier: { heartbeatMs: number; clientBufferBytes: number };
  shutdownGraceMs: number;
  logLevel: z.infer<typeof environmentSchema>['LOG_LEVEL'];
}

export class InvalidConfigError extends Error {}

/** Removes user:password from a URL so it can be logged. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/** Parses and validates the environment once; throws InvalidConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = environmentSchema.safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new InvalidConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const e = result.data;
  let roles: RoleName[];
  try {
    roles = parseRoles(env.ROLES);
  } catch (error) {
    throw new InvalidConfigError((error as Error).message);
  }
  return {
    roles,
    instanceId: e.INSTANCE_ID ?? `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`,
    http: { port: e.PORT, bodyLimit: e.HTTP_BODY_LIMIT },
    database: { url: e.DATABASE_URL, migrateOnStart: e.DATABASE_MIGRATE_ON_START },
    messaging: {
      url: e.AMQP_URL,
      prefix: e.MQ_PREFIX,
      prefetch: e.MQ_PREFETCH,
      publishTimeoutMs: e.MQ_PUBLISH_TIMEOUT_MS,
      executionQueueTtlMs: e.EXECUTION_QUEUE_TTL_MS,
      retryBackoffMs: e.RETRY_BACKOFF_MS,
    },
    worker: {
      name: e.WORKER_NAME,
      capacity: e.WORKER_CAPACITY,
      heartbeatMs: e.WORKER_HEARTBEAT_MS,
    },
    notifier: {
      heartbeatMs: e.NOTIFIER_HEARTBEAT_MS,
      clientBufferBytes: e.NOTIFIER_CLIENT_BUFFER_BYTES,
    },
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    logLevel: e.LOG_LEVEL,
  };
}
