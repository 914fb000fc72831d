import { Injectable, Logger } from '@nestjs/common';
import { KeyedSerializer } from '../../common/keyed-serializer';
import { DatabaseService } from '../../database/database.service';
import { WORKFLOW_RUNNER } from '../../domain/core-pack';
import { isTerminal } from '../../domain/execution-status';
import { renderExpressions } from '../../domain/expressions';
import { injectedSecretReferences } from '../../domain/templating';
import { Decision, decideNext, PlannedRun, TaskRun } from '../../domain/workflow-decision';
import { MAX_WORKFLOW_DEPTH, WorkflowDefinition } from '../../domain/workflow-definition';
import { ActionCatalog, ActionInfo } from '../../executions/action-catalog';
import { ExecutionLifecycle } from '../../executions/execution-lifecycle.service';
import { ExecutionRow } from '../../executions/execution-view';
import { WorkflowCancellation } from '../../executions/workflow-cancellation';
import { runWithCorrelation } from '../../logging/correlation';
import { MessagePublisher } from '../../messaging/messaging.port';
import { EventStore } from '../../stores/event.store';
import { ExecutionStore } from '../../stores/execution.store';
import { NewTaskRun } from '../../stores/execution-task-runs';
import { inTransaction } from '../../stores/sql';
import { SlotDispatcher } from './slot-dispatcher';
import { historyRowId } from '../../common/uuid';

/** What one step decided and stored. */
interface Step {
  decision?: Decision;
  inserted: ExecutionRow[];
  status: ExecutionRow['status'];
  /** A task whose templates could not be evaluated: the workflow fails naming it. */
  broken?: string;
}

/**
 * Runs workflows in the executor. A step reads the workflow's task runs under a lock on its row,
 * decides what runs next (decideNext, pure) and inserts those runs in the same transaction;
 * task runs are unique per (workflow, task, item, attempt), so a step taken twice (a copy of the
 * cue, two executors, a crash between steps) starts nothing twice. What it inserts joins the
 * waiting line like any execution; nested workflows are cued to their own conductor step.
 */
@Injectable()
export class WorkflowConductor {
  private readonly logger = new Logger('WorkflowConductor');
  /** Steps of one workflow in this process one at a time (the row lock does it across them). */
  private readonly perWorkflow = new KeyedSerializer();

  constructor(
    private readonly db: DatabaseService,
    private readonly store: ExecutionStore,
    private readonly actions: ActionCatalog,
    private readonly lifecycle: ExecutionLifecycle,
    private readonly publisher: MessagePublisher,
    private readonly cancellation: WorkflowCancellation,
    private readonly dispatcher: SlotDispatcher,
    private readonly events: EventStore,
  ) {}

  advance(workflowId: string): Promise<void> {
    return this.perWorkflow.run(workflowId, () => this.step(workflowId));
  }

  private async step(workflowId: string): Promise<void> {
    let workflow = await this.store.get(workflowId);
    if (!workflow) return;
    const action = await this.actions.get(workflow.action_ref);
    if (!action?.workflow) {
      await this.lifecycle.transition(workflowId, 'failed', {
        error: `action '${workflow.action_ref}' is not a workflow (any more)`,
      });
      return;
    }
    if (isTerminal(workflow.status)) {
      // Canceled (or failed) while task runs were unfinished: they must not go on.
      if (workflow.status === 'canceled') {
        await this.cancellation.cancelChildren(workflowId, 'its workflow was canceled');
      }
      return;
    }
    if (workflow.status === 'requested') {
      const started = await this.start(workflow);
      if (!started) return;
      workflow = started;
    }
    await runWithCorrelation({ correlationId: workflow.correlation_id }, () =>
      this.decideAndApply(workflow, action.workflow!),
    );
  }

  /** requested → running, unless it nests too deep. */
  private async start(workflow: ExecutionRow): Promise<ExecutionRow | undefined> {
    const depth = (await this.store.taskRuns.ancestorCount(workflow.id)) + 1;
    if (depth > MAX_WORKFLOW_DEPTH) {
      await this.lifecycle.transition(workflow.id, 'failed', {
        error: `workflows nest ${depth} deep here; the limit is ${MAX_WORKFLOW_DEPTH}`,
      });
      return undefined;
    }
    const outcome = await this.lifecycle.transition(
      workflow.id,
      'running',
      {},
      { from: 'requested' },
    );
    if (outcome.applied) return outcome.row;
    return outcome.current === 'running' ? this.store.get(workflow.id) : undefined;
  }

  private async decideAndApply(workflow: ExecutionRow, definition: WorkflowDefinition) {
    // Read before the transaction: an event never changes, and the lock is held for less.
    const event = workflow.enforcement_id ? await this.events.ofExecution(workflow.id) : undefined;
    const step = await inTransaction(this.db, async (sql): Promise<Step | undefined> => {
      const locked = await this.store.taskRuns.lockWorkflow(sql, workflow.id);
      if (!locked || (locked.status !== 'running' && locked.status !== 'paused')) return undefined;
      const runs = await this.store.taskRuns.of(workflow.id, sql);
      try {
        const decision = await decideNext(
          definition,
          locked.parameters,
          runs.map(toTaskRun),
          event,
        );
        const planned: NewTaskRun[] = [];
        for (const run of decision.start) {
          planned.push(await this.taskRun(locked, definition, decision, run));
        }
        const inserted = await this.store.taskRuns.insert(sql, planned);
        return { decision, inserted, status: locked.status };
      } catch (error) {
        return { inserted: [], status: locked.status, broken: (error as Error).message };
      }
    });
    if (!step) return;
    if (step.broken !== undefined) {
      await this.finish(workflow.id, 'failed', { error: step.broken });
      return;
    }
    for (const row of step.inserted) this.lifecycle.notify(row);
    await this.startInserted(step.inserted);
    const decision = step.decision!;
    if (decision.finish) {
      if (decision.finish.status === 'failed') {
        await this.finish(workflow.id, 'failed', { error: decision.finish.error });
        return;
      }
      try {
        const output = await renderExpressions(definition.output ?? null, decision.context);
        await this.finish(workflow.id, 'succeeded', { result: output ?? null });
      } catch (error) {
        await this.finish(workflow.id, 'failed', {
          error: `output: ${(error as Error).message}`,
        });
      }
      return;
    }
    if (decision.paused && step.status === 'running') {
      await this.lifecycle.transition(workflow.id, 'paused', {}, { from: 'running' });
    } else if (!decision.paused && step.status === 'paused') {
      await this.lifecycle.transition(workflow.id, 'running', {}, { from: 'paused' });
    }
  }

  private async finish(
    id: string,
    status: 'succeeded' | 'failed',
    fields: { result?: unknown; error?: string },
  ): Promise<void> {
    const outcome = await this.lifecycle.transition(id, status, fields);
    if (outcome.applied) this.logger.log(`workflow ${id} ${status}`);
  }

  /** The child execution of a planned task run, its input rendered. */
  private async taskRun(
    workflow: ExecutionRow,
    definition: WorkflowDefinition,
    decision: Decision,
    run: PlannedRun,
  ): Promise<NewTaskRun> {
    const task = definition.tasks[run.task];
    const action = await this.actions.get(task.action);
    const context =
      run.item === null ? decision.context : { ...decision.context, item: run.itemValue };
    const template = task.input ?? {};
    let rendered: Record<string, unknown>;
    try {
      rendered = (await renderExpressions(template, context, shellQuotingOf(action))) as Record<
        string,
        unknown
      >;
    } catch (error) {
      throw new Error(`task '${run.task}': input: ${(error as Error).message}`, { cause: error });
    }
    // As for rules and events: what the input, results and items hold is data, never a way
    // to read a secret the definition does not name itself.
    const injected = injectedSecretReferences(template, rendered);
    if (injected.length > 0) {
      throw new Error(
        `task '${run.task}': input: values hold secret reference(s) ` +
          `${injected.map((n) => `{{ secret.${n} }}`).join(', ')}; values from inputs and ` +
          'task results are data and never read secrets',
      );
    }
    if (!action) throw new Error(`task '${run.task}': action '${task.action}' does not exist`);
    // Checked against the action's schema, defaults applied, secret parameters sealed: a task
    // run is stored like any execution.
    const { parameters, problems } = this.actions.prepareParameters(action, rendered);
    if (problems.length > 0) {
      throw new Error(
        `task '${run.task}': input does not fit ${task.action}: ${problems.join('; ')}`,
      );
    }
    return {
      id: historyRowId(),
      parentId: workflow.id,
      task: run.task,
      item: run.item,
      attempt: run.attempt,
      actionRef: task.action,
      parameters,
      correlationId: workflow.correlation_id,
      createdBy: `workflow:${workflow.id}`,
      timeoutMs: task.timeout_ms ?? null,
      delayMs: run.delayMs,
    };
  }

  /** New task runs: nested workflows get their own step, the rest the waiting line. */
  private async startInserted(rows: ExecutionRow[]): Promise<void> {
    let joined = false;
    for (const row of rows) {
      const action = await this.actions.get(row.action_ref);
      if (action?.runner === WORKFLOW_RUNNER) {
        await this.cue(row.id, row.correlation_id);
      } else {
        joined = true;
      }
    }
    if (joined) this.dispatcher.joined();
  }

  async cue(workflowId: string, correlationId: string): Promise<void> {
    await this.publisher.publish(
      'WorkflowAdvanceRequested',
      { workflow_execution_id: workflowId },
      { correlationId },
    );
  }
}

function toTaskRun(row: ExecutionRow): TaskRun {
  return {
    task: row.task!,
    item: row.task_item,
    attempt: row.task_attempt ?? 1,
    status: row.status,
    result: row.result,
    error: row.error,
  };
}

/** `core.shell`'s `cmd` is shell-quoted, as in rules' templates. */
function shellQuotingOf(action: ActionInfo | undefined): { shellQuoted?: string } {
  return action?.runner === 'shell' ? { shellQuoted: 'cmd' } : {};
}
