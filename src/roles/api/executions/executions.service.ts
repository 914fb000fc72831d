import { Injectable } from '@nestjs/common';
import { InquiryStore } from '../../../stores/inquiry.store';
import { isTerminal } from '../../../domain/execution-status';
import type { Permission } from '../../../domain/permissions';
import { ExecutionLifecycle } from '../../../executions/execution-lifecycle.service';
import { ExecutionStore } from '../../../stores/execution.store';
import { AuditTrail } from '../../../audit/audit-trail.service';
import { actorOf, Principal } from '../../../auth/principal';
import { assertCan, refFilter } from '../../../auth/ref-scope';
import { ExecutionRow, toExecutionView } from '../../../executions/execution-view';
import { MessagePublisher } from '../../../messaging/messaging.port';
import { conflict, notFound } from '../../../common/errors';
import { iso } from '../../../common/iso';
import { WorkflowCancellation } from '../../../executions/workflow-cancellation';
import { Page, toPage } from '../../../http/pagination.dto';
import {
  CreateExecutionDto,
  ExecutionAccepted,
  ExecutionListQueryDto,
  ExecutionView,
} from './execution.dto';

@Injectable()
export class ExecutionsService {
  constructor(
    private readonly store: ExecutionStore,
    private readonly inquiries: InquiryStore,
    private readonly lifecycle: ExecutionLifecycle,
    private readonly publisher: MessagePublisher,
    private readonly audit: AuditTrail,
    private readonly workflows: WorkflowCancellation,
  ) {}

  async create(dto: CreateExecutionDto, caller: Principal): Promise<ExecutionAccepted> {
    const row = await this.lifecycle.create({
      action: dto.action,
      parameters: dto.parameters ?? undefined,
      createdBy: actorOf(caller),
    });
    await this.audit.record(caller, 'run', 'execution', row.id, { action: row.action_ref });
    return { id: row.id, status: row.status };
  }

  async list(query: ExecutionListQueryDto, caller: Principal): Promise<Page<ExecutionView>> {
    const page = await this.store.page(query, [
      { sql: 'status = ?', value: query.status },
      { sql: 'action_ref = ?', value: query.action },
      { sql: 'parent_id = ?', value: query.parent_id },
      refFilter(caller, 'executions:read', 'action_ref'),
    ]);
    return toPage(page, toExecutionView);
  }

  async get(id: string, caller: Principal): Promise<ExecutionView> {
    const row = await this.row(id, caller, 'executions:read');
    const view: ExecutionView = toExecutionView(row);
    if (await this.workflows.isWorkflow(row)) {
      view.tasks = (await this.store.taskRuns.of(id)).map((run) => ({
        task: run.task!,
        item: run.task_item,
        attempt: run.task_attempt ?? 1,
        execution_id: run.id,
        status: run.status,
        error: run.error,
        started_at: iso(run.started_at),
        finished_at: iso(run.finished_at),
      }));
    }
    return view;
  }

  /**
   * Not yet running (or paused on an inquiry): canceled at once. Running: its worker is asked to
   * stop it and reports `canceled` itself, so the answer still says running.
   */
  async cancel(id: string, caller: Principal): Promise<ExecutionAccepted> {
    const row = await this.row(id, caller, 'executions:cancel');
    if (isTerminal(row.status)) throw alreadyFinished(id, row.status);
    if (await this.workflows.isWorkflow(row)) return this.cancelWorkflow(row, caller);
    if (row.status === 'running') {
      await this.requestStop(row);
      await this.audit.record(caller, 'cancel', 'execution', id, { action: row.action_ref });
      return { id, status: row.status };
    }
    const outcome = await this.lifecycle.transition(id, 'canceled', {
      error: 'canceled by API',
    });
    if (!outcome.applied) {
      if (outcome.reason === 'missing') throw notFound('execution', id);
      throw alreadyFinished(id, outcome.current ?? row.status);
    }
    if (row.status === 'paused') {
      await this.inquiries.cancelPendingOf(id);
    } else if (outcome.row.started_at !== null && outcome.row.worker_id) {
      // It started between our read and the update: the worker must stop what it runs.
      await this.requestStop(outcome.row);
    }
    await this.audit.record(caller, 'cancel', 'execution', id, { action: row.action_ref });
    return { id, status: outcome.row.status };
  }

  /** A workflow runs on no worker: canceled at once, then what it left running is stopped. */
  private async cancelWorkflow(row: ExecutionRow, caller: Principal): Promise<ExecutionAccepted> {
    const outcome = await this.lifecycle.transition(row.id, 'canceled', {
      error: 'canceled by API',
    });
    if (!outcome.applied) {
      if (outcome.reason === 'missing') throw notFound('execution', row.id);
      throw alreadyFinished(row.id, outcome.current ?? row.status);
    }
    await this.workflows.cancelChildren(row.id, 'its workflow was canceled');
    await this.audit.record(caller, 'cancel', 'execution', row.id, { action: row.action_ref });
    return { id: row.id, status: outcome.row.status };
  }

  async rerun(id: string, caller: Principal): Promise<ExecutionAccepted> {
    const original = await this.row(id, caller, 'executions:run');
    const row = await this.lifecycle.create({
      action: original.action_ref,
      parameters: original.parameters,
      rerunOf: original.id,
      createdBy: actorOf(caller),
    });
    await this.audit.record(caller, 'rerun', 'execution', row.id, {
      action: row.action_ref,
      rerun_of: original.id,
    });
    return { id: row.id, status: row.status };
  }

  /** The execution, if the caller holds `permission` on its action. */
  private async row(id: string, caller: Principal, permission: Permission): Promise<ExecutionRow> {
    const row = await this.store.get(id);
    if (!row) throw notFound('execution', id);
    assertCan(caller, permission, row.action_ref);
    return row;
  }

  private async requestStop(row: ExecutionRow): Promise<void> {
    if (!row.worker_id) {
      throw conflict(`execution ${row.id} is running but no worker is assigned to stop it`);
    }
    await this.publisher.publish(
      'ExecutionCancelRequested',
      { execution_id: row.id, reason: 'canceled by API' },
      { workerId: row.worker_id, correlationId: row.correlation_id },
    );
  }
}

function alreadyFinished(id: string, status: string) {
  return conflict(`execution ${id} is already ${status}`);
}
