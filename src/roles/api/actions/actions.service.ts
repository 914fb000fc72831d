import { Injectable } from '@nestjs/common';
import { AuditTrail } from '../../../audit/audit-trail.service';
import { DatabaseService } from '../../../database/database.service';
import { ActionCatalog } from '../../../executions/action-catalog';
import { assertNoProblems, conflict, notFound } from '../../../common/errors';
import { DefinitionService } from '../definitions/definition.service';
import { ActionRow, ActionStore } from '../../../stores/action.store';
import { RuleStore } from '../../../stores/rule.store';
import { inTransaction, jsonParam, Sql } from '../../../stores/sql';
import { WORKFLOW_RUNNER } from '../../../domain/core-pack';
import {
  ActionLookup,
  actionsNamedIn,
  MAX_WORKFLOW_DEPTH,
  validateWorkflow,
  WorkflowDefinition,
} from '../../../domain/workflow-definition';
import { iso } from '../../../common/iso';
import { checkAgainst, userSchemaProblem } from '../../../executions/user-schema';
import { ActionDefinitionDto, ActionView } from './action.dto';
import { policyProblems } from '../../../domain/concurrency-policy';

@Injectable()
export class ActionsService extends DefinitionService<ActionRow, ActionView, ActionDefinitionDto> {
  constructor(
    db: DatabaseService,
    audit: AuditTrail,
    actions: ActionStore,
    catalog: ActionCatalog,
    private readonly rules: RuleStore,
  ) {
    super(db, audit, actions, catalog);
  }

  protected async columns(dto: ActionDefinitionDto & { ref: string }, sql: Sql) {
    await this.checkWorkflow(dto, sql);
    return columns(dto);
  }

  /** A workflow definition goes with the workflow runner only, and must be able to run. */
  private async checkWorkflow(dto: ActionDefinitionDto & { ref: string }, sql: Sql) {
    const isWorkflow = dto.runner === WORKFLOW_RUNNER;
    if (!isWorkflow) {
      if (dto.workflow) assertNoProblems(['workflow is only for runner "workflow"']);
      return;
    }
    if (!dto.workflow) assertNoProblems(['runner "workflow" needs a "workflow" definition']);
    // Every action it names, and those the workflows it nests name, down to where they stop.
    const known = new Map<string, ActionLookup>();
    let wanted = actionsNamedIn(dto.workflow);
    for (let level = 0; wanted.length > 0 && level <= MAX_WORKFLOW_DEPTH + 1; level++) {
      const next: string[] = [];
      for (const ref of wanted) {
        if (known.has(ref) || ref === dto.ref) continue;
        const row = await this.table.find(ref, sql);
        if (!row) continue;
        const workflow = (row.workflow as WorkflowDefinition | null) ?? null;
        known.set(ref, { runner: row.runner, workflow });
        if (workflow) next.push(...actionsNamedIn(workflow));
      }
      wanted = next;
    }
    assertNoProblems(validateWorkflow(dto.workflow, known, dto.ref));
  }

  protected toView(row: ActionRow): ActionView {
    return toView(row);
  }

  /** Refused while rules name the action (past executions keep its ref as history). */
  protected async removeRow(ref: string): Promise<void> {
    await inTransaction(this.db, async (sql) => {
      if (!(await this.table.lock(ref, sql, 'UPDATE'))) throw notFound('action', ref);
      const rules = await this.rules.refsRunning(sql, ref);
      if (rules.length > 0) {
        const named = rules.map((rule) => `rule '${rule}'`).join(', ');
        throw conflict(`action '${ref}' is used by ${named}; delete or change those first`);
      }
      await this.table.remove(ref, sql);
    });
  }
}

/** Checks what the DTO cannot: the schema compiles and the defaults satisfy it. */
function columns(dto: ActionDefinitionDto) {
  const schema = dto.parameters_schema ?? null;
  const defaults = dto.defaults ?? null;
  const problem = schema === null ? undefined : userSchemaProblem(schema, 'parameters_schema');
  assertNoProblems([...(problem ? [problem] : []), ...policyProblems(dto.policy)]);
  if (schema !== null && defaults !== null) {
    // Defaults are merged under each run's parameters, so alone they may lack required fields.
    const problems = checkAgainst({ ...schema, required: [] }, defaults, 'defaults');
    assertNoProblems(problems);
  }
  return {
    description: dto.description ?? null,
    runner: dto.runner,
    parameters_schema: jsonParam(schema),
    defaults: jsonParam(defaults),
    timeout_ms: dto.timeout_ms ?? null,
    retry_on_worker_loss: dto.retry_on_worker_loss ?? false,
    policy: jsonParam(dto.policy ?? null),
    workflow: jsonParam(dto.workflow ?? null),
  };
}

function toView(row: ActionRow): ActionView {
  return {
    id: row.id,
    ref: row.ref,
    description: row.description,
    runner: row.runner,
    parameters_schema: row.parameters_schema,
    defaults: row.defaults,
    timeout_ms: row.timeout_ms,
    retry_on_worker_loss: row.retry_on_worker_loss,
    policy: row.policy,
    workflow: row.workflow,
    created_at: iso(row.created_at)!,
    updated_at: iso(row.updated_at)!,
  };
}
