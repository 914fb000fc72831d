import { z } from 'zod';
import { EXECUTION_STATUSES } from './execution-status';

/** The JSON envelope every message travels in (mirrored into AMQP properties). */
export interface Envelope<P = unknown> {
  message_id: string;
  correlation_id: string;
  message_type: MessageType;
  version: string;
  timestamp: string;
  headers: EnvelopeHeaders;
  payload: P;
}

export interface EnvelopeHeaders {
  retry_count: number;
  source_service: string;
  trace_id: string;
  /** The message this one was published while handling, when there was one. */
  causation_id?: string;
  [key: string]: unknown;
}

export const ENVELOPE_VERSION = '1.0';

const uuid = z.uuid();
const isoTime = z.iso.datetime({ offset: true });
const executionStatus = z.enum(EXECUTION_STATUSES);
const jsonObject = z.record(z.string(), z.unknown());

/** One live update about an execution or an inquiry. */
const notificationSchema = z.object({
  kind: z.enum(['execution', 'inquiry']),
  execution_id: uuid,
  action: z.string(),
  status: z.string(),
  correlation_id: uuid,
  inquiry_id: uuid.optional(),
  worker_id: uuid.nullable().optional(),
  /** A workflow's task run: its workflow execution and task, so a live view can draw the tree. */
  parent_id: uuid.nullable().optional(),
  task: z.string().nullable().optional(),
  created_at: isoTime.optional(),
  scheduled_at: isoTime.nullable().optional(),
  started_at: isoTime.nullable().optional(),
  finished_at: isoTime.nullable().optional(),
  at: isoTime,
});
export type Notification = z.infer<typeof notificationSchema>;
export const MAX_NOTIFICATIONS_PER_MESSAGE = 500;

/** Payload schema per message type; payloads are validated on publish and on receipt. */
export const MESSAGE_SCHEMAS = {
  EventCreated: z.object({
    event_id: uuid,
    trigger: z.string().min(1),
    payload: z.unknown(),
    source: z.string().min(1),
    occurred_at: isoTime,
  }),
  ExecutionRequested: z.object({
    execution_id: uuid,
    action: z.string().min(1),
    attempt: z.number().int().min(1),
    /** Filled in by the scheduler for the worker so it needs no read before running. */
    runner: z.string().optional(),
    parameters: jsonObject.optional(),
    timeout_ms: z.number().int().positive().optional(),
    worker_id: uuid.optional(),
    /**
     * When this offer was made (the row's scheduled_at): a copy left over from an earlier offer
     * to the same worker (expired after the execution was rescued and offered again) is told
     * from the current one by it.
     */
    scheduled_at: isoTime.optional(),
  }),
  ExecutionStatusChanged: z.object({
    execution_id: uuid,
    status: executionStatus,
    attempt: z.number().int().min(1),
    worker_id: uuid.optional(),
    at: isoTime,
  }),
  ExecutionCompleted: z.object({
    execution_id: uuid,
    status: z.enum(['succeeded', 'failed', 'timeout', 'canceled']),
    attempt: z.number().int().min(1),
    worker_id: uuid.optional(),
    result: z.unknown().optional(),
    error: z.string().optional(),
    at: isoTime,
  }),
  ExecutionCancelRequested: z.object({
    execution_id: uuid,
    reason: z.string().optional(),
  }),
  InquiryCreated: z.object({
    inquiry_id: uuid,
    execution_id: uuid,
    attempt: z.number().int().min(1),
    prompt: z.string(),
    schema: jsonObject.nullable().optional(),
    timeout_at: isoTime,
  }),
  InquiryResponded: z.object({
    inquiry_id: uuid,
    execution_id: uuid,
    response: z.unknown(),
  }),
  /**
   * The workflow conductor's cue: a workflow to start, or one whose task run changed (finished,
   * paused): it decides the next step from the rows, so a copy of this message changes nothing.
   */
  WorkflowAdvanceRequested: z.object({
    workflow_execution_id: uuid,
    /** The task run that changed, when one did. */
    cause_execution_id: uuid.optional(),
  }),
  /** Live updates, several per message: notifications are frequent and only ever fanned out. */
  NotificationCreated: z.object({
    notifications: z.array(notificationSchema).min(1).max(MAX_NOTIFICATIONS_PER_MESSAGE),
  }),
} as const;

export type MessageType = keyof typeof MESSAGE_SCHEMAS;
export type PayloadOf<T extends MessageType> = z.infer<(typeof MESSAGE_SCHEMAS)[T]>;

export function isMessageType(value: unknown): value is MessageType {
  return typeof value === 'string' && Object.hasOwn(MESSAGE_SCHEMAS, value);
}

/**
 * Checks the envelope of a received message (by hand: it runs for every message, and its shape
 * is small and fixed). Fills in `headers.retry_count` when missing. Returns the problem, if any.
 */
export function envelopeProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'not a JSON object';
  }
  const e = value as Record<string, unknown>;
  for (const field of ['message_id', 'correlation_id', 'message_type', 'version', 'timestamp']) {
    if (typeof e[field] !== 'string' || (e[field] as string).length === 0) {
      return `${field} must be a non-empty string`;
    }
  }
  if (!('payload' in e)) return 'payload is missing';
  if (e.headers === undefined) e.headers = {};
  if (typeof e.headers !== 'object' || e.headers === null || Array.isArray(e.headers)) {
    return 'headers must be an object';
  }
  const headers = e.headers as Record<string, unknown>;
  headers.retry_count ??= 0;
  if (!Number.isInteger(headers.retry_count) || (headers.retry_count as number) < 0) {
    return 'headers.retry_count must be a whole number';
  }
  return undefined;
}

/** Human-readable reason a payload does not fit its schema, or undefined when it fits. */
export function payloadProblem(type: MessageType, payload: unknown): string | undefined {
  const result = MESSAGE_SCHEMAS[type].safeParse(payload);
  if (result.success) return undefined;
  return result.error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : 'payload'}: ${issue.message}`)
    .join('; ');
}
