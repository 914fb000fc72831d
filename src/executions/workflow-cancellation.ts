import { Injectable } from '@nestjs/common';
import { WORKFLOW_RUNNER } from '../domain/core-pack';
import { MessagePublisher } from '../messaging/messaging.port';
import { ExecutionStore } from '../stores/execution.store';
import { InquiryStore } from '../stores/inquiry.store';
import { ActionCatalog } from './action-catalog';
import { ExecutionLifecycle } from './execution-lifecycle.service';
import { ExecutionRow } from './execution-view';

/**
 * Cancels what a canceled workflow left unfinished: task runs not started are canceled at once;
 * running ones are stopped by their worker (which reports them canceled); nested workflows are
 * canceled with their own children. Safe to repeat: every change is conditional.
 */
@Injectable()
export class WorkflowCancellation {
  constructor(
    private readonly store: ExecutionStore,
    private readonly inquiries: InquiryStore,
    private readonly actions: ActionCatalog,
    private readonly lifecycle: ExecutionLifecycle,
    private readonly publisher: MessagePublisher,
  ) {}

  async isWorkflow(row: Pick<ExecutionRow, 'action_ref'>): Promise<boolean> {
    return (await this.actions.get(row.action_ref))?.runner === WORKFLOW_RUNNER;
  }

  async cancelChildren(workflowId: string, reason: string): Promise<void> {
    for (const child of await this.store.taskRuns.unfinishedChildren(workflowId)) {
      await this.cancel(child, reason);
    }
  }

  /** Cancels one execution: at once unless a worker runs it, then its worker stops it. */
  async cancel(row: ExecutionRow, reason: string): Promise<void> {
    if (row.status === 'running' && row.worker_id) {
      await this.requestStop(row, reason);
      return;
    }
    const outcome = await this.lifecycle.transition(row.id, 'canceled', { error: reason });
    if (!outcome.applied) {
      // It started meanwhile: its worker must stop it.
      const now = await this.store.get(row.id);
      if (now?.status === 'running' && now.worker_id) await this.requestStop(now, reason);
      return;
    }
    if (row.status === 'paused') await this.inquiries.cancelPendingOf(row.id);
    if (await this.isWorkflow(row)) await this.cancelChildren(row.id, reason);
  }

  async requestStop(row: ExecutionRow, reason: string): Promise<void> {
    await this.publisher.publish(
      'ExecutionCancelRequested',
      { execution_id: row.id, reason },
      { workerId: row.worker_id!, correlationId: row.correlation_id },
    );
  }
}
