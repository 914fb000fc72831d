import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { z } from 'zod';
import { API_KEY_PATTERN } from '../auth/api-key';
import {
  DEFAULT_HTTP_RUNNER_DENY,
  parseCidrList,
} from '../roles/worker/runners/destination-policy';
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

const ENCRYPTION_KEY_HINT = 'must be 32 bytes in base64 (openssl rand -base64 32)';

function isEncryptionKey(value: string): boolean {
  return /^[A-Za-z0-9+/_-]+={0,2}$/.test(value) && Buffer.from(value, 'base64').length === 32;
}

const encryptionKey = z.string().trim().refine(isEncryptionKey, ENCRYPTION_KEY_HINT);

/** `https://host[:port]`, nothing after it: what a browser sends in `Origin`. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return ['http:', 'https:'].includes(url.protocol) && url.origin === value;
  } catch {
    return false;
  }
}

/** A comma list whose every entry passes `valid`; the first bad one is named. */
const commaList = (valid: (entry: string) => boolean, problem: (entry: string) => string) =>
  z
    .string()
    .trim()
    .transform((value, context) => {
      const entries = value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean);
      const bad = entries.find((entry) => !valid(entry));
      if (bad === undefined) return entries;
      context.addIssue({ code: 'custom', message: problem(bad) });
      return z.NEVER;
    });

const millisecondList = z
  .string()
  .trim()
  .regex(/^\d+(\s*,\s*\d+)*$/, 'must be a comma list of milliseconds, e.g. 1000,5000,30000')
  .transform((value) => value.split(',').map((part) => Number(part.trim())));

/** Every environment variable Attune reads, with its default. `.env.example` mirrors this. */
const environmentSchema = z.object({
  ROLES: z.string().default('all'),
  PORT: integer(0, 65535).default(3000),
  HOST: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9.:_-]+$/, 'must be an address or host name, e.g. 127.0.0.1 or 0.0.0.0')
    .optional(),
  INSTANCE_ID: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_.-]+$/, 'may hold only letters, digits, dot, dash and underscore')
    .optional(),
  DATABASE_URL: urlWithProtocol(['postgres:', 'postgresql:']).optional(),
  ATTUNE_DATA_DIR: z.string().trim().default('./.attune'),
  DATABASE_MIGRATE_ON_START: boolean.default(true),
  AMQP_URL: urlWithProtocol(['amqp:', 'amqps:']).optional(),
  MQ_TRANSPORT: z.enum(['rabbitmq', 'postgres']).optional(),
  MQ_PREFIX: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be lower-case letters, digits, dash or underscore')
    .default('attune'),
  MQ_PREFETCH: integer(1, 65535).default(50),
  MQ_PUBLISH_TIMEOUT_MS: integer(100).default(10_000),
  EXECUTION_QUEUE_TTL_MS: integer(1).default(300_000),
  CONSUMER_START_TIMEOUT_MS: integer(1000).default(300_000),
  RETRY_BACKOFF_MS: millisecondList.default([1000, 5000, 30_000]),
  WORKER_NAME: z.string().trim().min(1).max(200).default(hostname()),
  WORKER_CAPACITY: integer(1, 10_000).default(10),
  MAX_BACKLOG: integer(1).default(10_000),
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
  ATTUNE_ADMIN_KEY: z
    .string()
    .trim()
    .regex(API_KEY_PATTERN, 'must be atn_ followed by at least 32 letters, digits, - or _')
    .optional(),
  ATTUNE_SECRET_KEY: encryptionKey.optional(),
  ATTUNE_SECRET_KEY_PREVIOUS: commaList(isEncryptionKey, () => ENCRYPTION_KEY_HINT).optional(),
  METRICS_TOKEN: z.string().trim().min(16, 'must be at least 16 characters').optional(),
  ALLOWED_ORIGINS: commaList(
    isOrigin,
    (origin) => `has '${origin}', which is not an origin such as https://attune.example.com`,
  ).optional(),
  HTTP_RUNNER_DENY: z
    .string()
    .default(DEFAULT_HTTP_RUNNER_DENY)
    .transform((value, context) => {
      const { cidrs, problems } = parseCidrList(value);
      for (const problem of problems) context.addIssue({ code: 'custom', message: problem });
      return problems.length > 0 ? z.NEVER : cidrs;
    }),
  WEBHOOK_TOLERANCE_S: integer(1, 86_400).default(300),
  AUTH_FAILURE_LIMIT: integer(1).default(30),
  RETENTION_DAYS: integer(0, 36_500).default(30),
  AUDIT_RETENTION_DAYS: integer(0, 36_500).default(365),
  RETENTION_INTERVAL_MS: integer(100).default(600_000),
  RETENTION_BATCH_SIZE: integer(1, 100_000).default(1000),
});

export interface AppConfig {
  roles: RoleName[];
  instanceId: string;
  http: { host: string; port: number; bodyLimit: string };
  database: {
    /** DATABASE_URL; unset, main.ts starts the embedded PostgreSQL and puts its URL here. */
    url: string | undefined;
    migrateOnStart: boolean;
  };
  /** ATTUNE_DATA_DIR as an absolute path: the embedded PostgreSQL lives in `<dataDir>/pg`. */
  dataDir: string;
  messaging: {
    /** MQ_TRANSPORT: RabbitMQ, or queues kept in PostgreSQL. */
    transport: 'rabbitmq' | 'postgres';
    /** AMQP_URL (RabbitMQ only). */
    url: string;
    prefix: string;
    prefetch: number;
    publishTimeoutMs: number;
    executionQueueTtlMs: number;
    retryBackoffMs: number[];
    /** A consumer that cannot start for this long (broker up) fails liveness too. */
    consumerStartTimeoutMs: number;
  };
  worker: { name: string; capacity: number; heartbeatMs: number };
  /**
   * Work accepted and not started (events not yet processed, executions requested or
   * scheduled) past which webhooks and manual runs answer 429.
   */
  maxBacklog: number;
  /** Live clients: ping/comment interval, and bytes queued for one client before it is dropped. */
  notifier: { heartbeatMs: number; clientBufferBytes: number };
  shutdownGraceMs: number;
  auth: {
    /** ATTUNE_ADMIN_KEY: always a valid admin key when set. */
    adminKey: string | undefined;
    /** Failed authentications per client address and minute before it gets 429. */
    failureLimit: number;
    /** Bearer token /metrics asks for; open when unset. */
    metricsToken: string | undefined;
    /** Origins allowed to open /ws; unset: only the origin the request was sent to. */
    allowedOrigins: string[] | undefined;
    webhookToleranceS: number;
  };
  secrets: {
    /** ATTUNE_SECRET_KEY (base64 of 32 bytes): encrypts secrets; unset, secrets are off. */
    key: string | undefined;
    /** Keys values may still be encrypted under, until `attune secrets rotate-key` ran. */
    previousKeys: string[];
  };
  /** CIDRs core.http never connects to. */
  httpRunnerDeny: string[];
  logLevel: z.infer<typeof environmentSchema>['LOG_LEVEL'];
  /** History kept (decision 019); 0 days keeps everything. */
  retention: {
    /** Finished executions, their events, enforcements and inquiries. */
    days: number;
    auditDays: number;
    /** How often an executor prunes (one replica at a time). */
    intervalMs: number;
    /** Rows deleted per statement: short transactions, short locks. */
    batchSize: number;
  };
}

export class InvalidConfigError extends Error {}

/** Where MQ_TRANSPORT=rabbitmq connects when AMQP_URL is unset. */
const DEFAULT_AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';

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

/** The database URL the app runs on; set by the time Nest boots (see `AppConfig.database.url`). */
export function databaseUrl(config: AppConfig): string {
  if (config.database.url === undefined) {
    throw new Error(
      'no database URL: DATABASE_URL is unset and no embedded PostgreSQL was started',
    );
  }
  return config.database.url;
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
    http: {
      // The embedded database means a machine of one's own: listen there only unless told.
      host: e.HOST ?? (e.DATABASE_URL ? '0.0.0.0' : '127.0.0.1'),
      port: e.PORT,
      bodyLimit: e.HTTP_BODY_LIMIT,
    },
    database: { url: e.DATABASE_URL, migrateOnStart: e.DATABASE_MIGRATE_ON_START },
    dataDir: resolve(e.ATTUNE_DATA_DIR),
    messaging: {
      // RabbitMQ when it is configured; otherwise messages travel through PostgreSQL.
      transport: e.MQ_TRANSPORT ?? (e.AMQP_URL ? 'rabbitmq' : 'postgres'),
      url: e.AMQP_URL ?? DEFAULT_AMQP_URL,
      prefix: e.MQ_PREFIX,
      prefetch: e.MQ_PREFETCH,
      publishTimeoutMs: e.MQ_PUBLISH_TIMEOUT_MS,
      executionQueueTtlMs: e.EXECUTION_QUEUE_TTL_MS,
      retryBackoffMs: e.RETRY_BACKOFF_MS,
      consumerStartTimeoutMs: e.CONSUMER_START_TIMEOUT_MS,
    },
    worker: {
      name: e.WORKER_NAME,
      capacity: e.WORKER_CAPACITY,
      heartbeatMs: e.WORKER_HEARTBEAT_MS,
    },
    maxBacklog: e.MAX_BACKLOG,
    notifier: {
      heartbeatMs: e.NOTIFIER_HEARTBEAT_MS,
      clientBufferBytes: e.NOTIFIER_CLIENT_BUFFER_BYTES,
    },
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    auth: {
      adminKey: e.ATTUNE_ADMIN_KEY,
      failureLimit: e.AUTH_FAILURE_LIMIT,
      metricsToken: e.METRICS_TOKEN,
      allowedOrigins: e.ALLOWED_ORIGINS,
      webhookToleranceS: e.WEBHOOK_TOLERANCE_S,
    },
    secrets: { key: e.ATTUNE_SECRET_KEY, previousKeys: e.ATTUNE_SECRET_KEY_PREVIOUS ?? [] },
    httpRunnerDeny: e.HTTP_RUNNER_DENY,
    logLevel: e.LOG_LEVEL,
    retention: {
      days: e.RETENTION_DAYS,
      auditDays: e.AUDIT_RETENTION_DAYS,
      intervalMs: e.RETENTION_INTERVAL_MS,
      batchSize: e.RETENTION_BATCH_SIZE,
    },
  };
}
