import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { ExecutionStatus, isTerminal } from '../domain/execution-status';
import { currentCorrelation } from '../logging/correlation';
import { MessagePublisher } from '../messaging/messaging.port';
import { ActionCatalog } from './action-catalog';
import {
  ExecutionStore,
  TransitionFields,
  TransitionGuard,
  TransitionOutcome,
} from '../stores/execution.store';
import { ExecutionRow } from './execution-view';
import { NotificationSender } from './notification-sender';
import { iso } from '../common/iso';
import { historyRowId } from '../common/uuid';

/** What a notification shows of an execution: its row, or what a worker reported of it. */
export type AnnouncedExecution = Pick<
  ExecutionRow,
  'id' | 'action_ref' | 'status' | 'correlation_id' | 'worker_id'
> & {
  created_at?: Date | string;
  scheduled_at?: Date | string | null;
  started_at?: Date | string | null;
  finished_at?: Date | string | null;
  parent_id?: string | null;
  task?: string | null;
};

export class UnknownActionError extends Error {}
export class InvalidParametersError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

/**
 * Creates executions and moves them through the state machine, publishing a notification for
 * every change that was applied. Every role that changes an execution goes through here.
 */
@Injectable()
export class ExecutionLifecycle {
  private readonly logger = new Logger('Executions');

  constructor(
    private readonly store: ExecutionStore,
    private readonly actions: ActionCatalog,
    private readonly publisher: MessagePublisher,
    private readonly notifications: NotificationSender,
  ) {}

  /** A manual run (or rerun): validated, stored as `requested`, then sent to the scheduler. */
  async create(request: {
    action: string;
    parameters?: Record<string, unknown>;
    rerunOf?: string;
    createdBy: string;
  }): Promise<ExecutionRow> {
    const action = await this.actions.get(request.action);
    if (!action) throw new UnknownActionError(`action '${request.action}' does not exist`);
    const { parameters, problems } = this.actions.prepareParameters(action, request.parameters);
    if (problems.length > 0) throw new InvalidParametersError(problems);
    const id = historyRowId();
    const correlationId = currentCorrelation()?.correlationId ?? randomUUID();
    const [row] = await this.store.insertRequested([
      {
        id,
        actionRef: action.ref,
        parameters,
        correlationId,
        rerunOf: request.rerunOf ?? null,
        createdBy: request.createdBy,
      },
    ]);
    try {
      this.notify(row);
      await this.requestScheduling(row);
    } catch (error) {
      // The row is stored, so the execution is accepted: it waits in the line, where an executor
      // takes it without the message. Failing here would make a retrying client run it twice.
      this.logger.warn(`execution ${row.id} stored but not announced: ${(error as Error).message}`);
    }
    return row;
  }

  /** Publishes ExecutionRequested: the scheduler's fast path for a new `requested` row. */
  async requestScheduling(
    row: Pick<ExecutionRow, 'id' | 'action_ref' | 'attempt' | 'correlation_id'>,
  ): Promise<void> {
    await this.publisher.publish(
      'ExecutionRequested',
      { execution_id: row.id, action: row.action_ref, attempt: row.attempt },
      { correlationId: row.correlation_id },
    );
  }

  /** Applies a transition if the state machine allows it; notifies when it was applied. */
  async transition(
    id: string,
    to: ExecutionStatus,
    fields: TransitionFields = {},
    guard: TransitionGuard = {},
  ): Promise<TransitionOutcome> {
    const outcome = await this.store.transition(id, to, fields, guard);
    if (outcome.applied) {
      this.notify(outcome.row);
    } else if (outcome.reason === 'illegal') {
      this.logger.warn(
        `refused illegal transition of execution ${id} from ${outcome.current} to ${to}`,
      );
    } else if (outcome.reason === 'stale') {
      this.logger.warn(
        `ignored ${to} for execution ${id}: it is about an earlier attempt or another worker`,
      );
    }
    return outcome;
  }

  /**
   * Tells notifiers about the execution's current state (batched, not awaited); a task run that
   * finished or paused also cues its workflow's conductor. That cue is not awaited either: if it
   * is lost (a process dies), the conductor's sweeper finds the workflow.
   */
  notify(row: AnnouncedExecution): void {
    if (row.parent_id && (isTerminal(row.status) || row.status === 'paused')) {
      this.publisher
        .publish(
          'WorkflowAdvanceRequested',
          { workflow_execution_id: row.parent_id, cause_execution_id: row.id },
          { correlationId: row.correlation_id },
        )
        .catch((error: Error) =>
          this.logger.warn(
            `could not cue workflow ${row.parent_id} after task run ${row.id}: ${error.message}`,
          ),
        );
    }
    this.notifications.send({
      kind: 'execution',
      execution_id: row.id,
      action: row.action_ref,
      status: row.status,
      correlation_id: row.correlation_id,
      worker_id: row.worker_id,
      ...(row.parent_id ? { parent_id: row.parent_id, task: row.task ?? null } : {}),
      created_at: iso(row.created_at) ?? undefined,
      scheduled_at: iso(row.scheduled_at),
      started_at: iso(row.started_at),
      finished_at: iso(row.finished_at),
      at: new Date().toISOString(),
    });
  }
}
