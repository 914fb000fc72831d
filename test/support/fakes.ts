import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config/app-config';
import type { DatabaseService } from '../../src/database/database.service';
import {
  canTransition,
  ExecutionStatus,
  TERMINAL_STATUSES,
} from '../../src/domain/execution-status';
import type { Envelope, MessageType, Notification, PayloadOf } from '../../src/domain/messages';
import type { ActionInfo } from '../../src/executions/action-catalog';
import { sameOffer } from '../../src/stores/execution-transitions';
import { ActionCatalog } from '../../src/executions/action-catalog';
import { ExecutionLifecycle } from '../../src/executions/execution-lifecycle.service';
import type { ExecutionRow } from '../../src/executions/execution-view';
import type { NotificationSender } from '../../src/executions/notification-sender';
import { MessagePublisher, PublishOptions } from '../../src/messaging/messaging.port';
import { SecretCipher } from '../../src/secrets/secret-cipher';
import type {
  ExecutionStore,
  NewExecution,
  TransitionFields,
  TransitionGuard,
  TransitionOutcome,
} from '../../src/stores/execution.store';

/**
 * In-memory stand-ins for the fast tests of decision logic (scheduler, worker, dead letters):
 * the same interfaces the real parts have, no PostgreSQL or RabbitMQ. Integration and e2e
 * suites use the real ones.
 */

/** A publisher that records what it is given, and can be told to fail. */
export class RecordingPublisher extends MessagePublisher {
  readonly published: Array<{ type: MessageType; payload: unknown; options: PublishOptions }> = [];
  failWith?: Error;

  async publish<T extends MessageType>(
    type: T,
    payload: PayloadOf<T>,
    options: PublishOptions = {},
  ): Promise<Envelope<PayloadOf<T>>> {
    if (this.failWith) throw this.failWith;
    this.published.push({ type, payload, options });
    return {
      message_id: randomUUID(),
      correlation_id: options.correlationId ?? randomUUID(),
      message_type: type,
      version: '1.0',
      timestamp: new Date().toISOString(),
      headers: { retry_count: 0, source_service: 'test', trace_id: randomUUID() },
      payload,
    };
  }

  ofType<T extends MessageType>(
    type: T,
  ): Array<{ payload: PayloadOf<T>; options: PublishOptions }> {
    return this.published
      .filter((m) => m.type === type)
      .map((m) => ({ payload: m.payload as PayloadOf<T>, options: m.options }));
  }
}

/** Notifications as they would be sent, in order. */
export class RecordingNotifications {
  readonly sent: Notification[] = [];
  send(notification: Notification): void {
    this.sent.push(notification);
  }
  statusesOf(executionId: string): string[] {
    return this.sent.filter((n) => n.execution_id === executionId).map((n) => n.status);
  }
}

/** The execution table in memory, with the state machine's guards and the transition rules. */
export class FakeExecutionStore {
  readonly rows = new Map<string, ExecutionRow>();
  /** Taken from the waiting line and not given back or moved on. */
  readonly leased = new Set<string>();

  add(fields: Partial<ExecutionRow> & { status: ExecutionStatus }): ExecutionRow {
    const row: ExecutionRow = {
      id: randomUUID(),
      action_ref: 'core.noop',
      parameters: {},
      result: null,
      error: null,
      worker_id: null,
      enforcement_id: null,
      rerun_of: null,
      correlation_id: randomUUID(),
      attempt: 1,
      dispatch_attempts: 0,
      created_by: 'key:test',
      created_at: new Date(),
      scheduled_at: null,
      started_at: null,
      finished_at: null,
      parent_id: null,
      task: null,
      task_item: null,
      task_attempt: null,
      timeout_ms: null,
      ...fields,
    };
    this.rows.set(row.id, row);
    return row;
  }

  async insertRequested(executions: NewExecution[]): Promise<ExecutionRow[]> {
    return executions.map((e) =>
      this.add({
        id: e.id,
        action_ref: e.actionRef,
        parameters: e.parameters,
        correlation_id: e.correlationId,
        created_by: e.createdBy,
        status: 'requested',
      }),
    );
  }

  async get(id: string): Promise<ExecutionRow | undefined> {
    const row = this.rows.get(id);
    return row && { ...row };
  }

  async transition(
    id: string,
    to: ExecutionStatus,
    fields: TransitionFields = {},
    guard: TransitionGuard = {},
  ): Promise<TransitionOutcome> {
    return this.apply(id, to, fields, guard, false);
  }

  /** The waiting line: `requested` rows of the runners given, oldest first, not taken. */
  async takeWaiting(limit: number, runners: string[], skip: string[] = []) {
    const runnerOf = (ref: string) => BUILT_IN_ACTIONS[ref]?.runner;
    const taken = [...this.rows.values()]
      .filter((r) => r.status === 'requested' && !this.leased.has(r.id) && !skip.includes(r.id))
      .filter(
        (r) => runnerOf(r.action_ref) === undefined || runners.includes(runnerOf(r.action_ref)),
      )
      .sort((a, b) => a.created_at.getTime() - b.created_at.getTime())
      .slice(0, limit);
    for (const row of taken) this.leased.add(row.id);
    return taken.map((row) => ({ ...row }));
  }

  async giveBack(id: string): Promise<void> {
    this.leased.delete(id);
  }

  async claimFinished(
    id: string,
    to: 'succeeded' | 'failed',
    fields: TransitionFields,
    guard: Required<Pick<TransitionGuard, 'attempt' | 'workerId'>>,
  ): Promise<TransitionOutcome> {
    return this.apply(id, to, fields, guard, true);
  }

  private apply(
    id: string,
    to: ExecutionStatus,
    fields: TransitionFields,
    guard: TransitionGuard,
    throughRunning: boolean,
  ): TransitionOutcome {
    const row = this.rows.get(id);
    if (!row) return { applied: false, reason: 'missing' };
    if (
      (guard.attempt !== undefined && row.attempt !== guard.attempt) ||
      (guard.workerId !== undefined && row.worker_id !== guard.workerId) ||
      (guard.from !== undefined && row.status !== guard.from && row.status !== to) ||
      !sameOffer(row.scheduled_at, guard.scheduledAt)
    ) {
      return { applied: false, reason: 'stale', current: row.status };
    }
    const from = row.status;
    const legal = throughRunning ? from === 'scheduled' : canTransition(from, to);
    if (!legal) {
      return { applied: false, reason: from === to ? 'noop' : 'illegal', current: from };
    }
    const now = new Date();
    this.leased.delete(id);
    row.status = to;
    if (to === 'scheduled') row.scheduled_at = now;
    if (to === 'running' || throughRunning) row.started_at ??= now;
    if (TERMINAL_STATUSES.includes(to)) row.finished_at = now;
    if (to === 'requested') {
      row.worker_id = null;
      row.scheduled_at = null;
      row.dispatch_attempts++;
    } else if (fields.workerId) row.worker_id = fields.workerId;
    if (fields.result !== undefined) row.result = fields.result;
    if (fields.error !== undefined) row.error = fields.error;
    return { applied: true, row: { ...row } };
  }
}

export const BUILT_IN_ACTIONS: Record<string, ActionInfo> = {
  'core.noop': action('core.noop', 'noop'),
  'core.echo': action('core.echo', 'echo'),
  'core.sleep': action('core.sleep', 'sleep'),
  'core.shell': action('core.shell', 'shell'),
};

export function action(ref: string, runner: string, extra: Partial<ActionInfo> = {}): ActionInfo {
  return {
    ref,
    runner,
    parametersSchema: null,
    defaults: null,
    timeoutMs: 60_000,
    retryOnWorkerLoss: false,
    secretParameters: [],
    workflow: null,
    ...extra,
  };
}

/** An action catalog over a fixed set of actions (schemas checked as the real one does). */
export function fakeActionCatalog(actions: Record<string, ActionInfo> = BUILT_IN_ACTIONS) {
  const catalog = new ActionCatalog(
    { catalogEntry: async () => undefined } as never,
    new SecretCipher(undefined),
  );
  catalog.get = async (ref: string) => actions[ref];
  return catalog;
}

/** A database that is always ready (the decisions under test never reach it). */
export const READY_DATABASE = { whenReady: async () => undefined } as unknown as DatabaseService;

/** The real life cycle over the fakes: what the roles call to create and move executions. */
export function lifecycleOver(
  store: FakeExecutionStore,
  publisher: RecordingPublisher,
  notifications: RecordingNotifications,
  actions = fakeActionCatalog(),
): ExecutionLifecycle {
  return new ExecutionLifecycle(
    store as unknown as ExecutionStore,
    actions,
    publisher,
    notifications as unknown as NotificationSender,
  );
}

/** The configuration a test process would get, with overrides. */
export function testConfig(env: Record<string, string> = {}) {
  return loadConfig({ LOG_LEVEL: 'silent', ...env });
}
