import { Injectable } from '@nestjs/common';
import { AuditTrail } from '../../../audit/audit-trail.service';
import type { Principal } from '../../../auth/principal';
import { assertCan } from '../../../auth/ref-scope';
import { DatabaseService } from '../../../database/database.service';
import { validateCriteria } from '../../../domain/criteria';
import { findTemplatePaths, validateTemplate } from '../../../domain/templating';
import { assertNoProblems, notFound } from '../../../common/errors';
import { DefinitionService } from '../definitions/definition.service';
import { ActionStore } from '../../../stores/action.store';
import { RuleRow, RuleStore } from '../../../stores/rule.store';
import { TriggerStore } from '../../../stores/trigger.store';
import { jsonParam, Sql } from '../../../stores/sql';
import { iso } from '../../../common/iso';
import { checkAgainst } from '../../../executions/user-schema';
import { RuleDefinitionDto, RuleView } from './rule.dto';

@Injectable()
export class RulesService extends DefinitionService<RuleRow, RuleView, RuleDefinitionDto> {
  constructor(
    db: DatabaseService,
    audit: AuditTrail,
    rules: RuleStore,
    private readonly triggers: TriggerStore,
    private readonly actions: ActionStore,
  ) {
    super(db, audit, rules);
  }

  protected async removeRow(ref: string): Promise<void> {
    await this.table.remove(ref);
  }

  protected toView(row: RuleRow): RuleView {
    return toView(row);
  }

  /**
   * Checks the rule against its trigger and action, which stay locked (FOR SHARE) until the rule
   * is written, so a concurrent delete of either waits and then sees the rule. A rule runs its
   * action, so writing one needs the right to run that action too.
   */
  protected async columns(dto: RuleDefinitionDto, sql: Sql, caller: Principal) {
    assertCan(caller, 'executions:run', dto.action);
    const problems = [...validateCriteria(dto.criteria), ...validateTemplate(dto.parameters ?? {})];
    assertNoProblems(problems);
    if (!(await this.triggers.lock(dto.trigger, sql, 'SHARE'))) {
      throw notFound('trigger', dto.trigger);
    }
    const action = await this.actions.lock(dto.action, sql, 'SHARE');
    if (!action) throw notFound('action', dto.action);
    // Parameters without placeholders are fixed, so they can be checked now; the rest depend on
    // the event and are checked when it arrives.
    if (action.parameters_schema && findTemplatePaths(dto.parameters ?? {}).length === 0) {
      const merged = { ...(action.defaults ?? {}), ...(dto.parameters ?? {}) };
      assertNoProblems(checkAgainst(action.parameters_schema, merged, 'parameters'));
    }
    return {
      description: dto.description ?? null,
      trigger_ref: dto.trigger,
      criteria: jsonParam(dto.criteria),
      action_ref: dto.action,
      parameters: jsonParam(dto.parameters),
      enabled: dto.enabled ?? true,
    };
  }
}

function toView(row: RuleRow): RuleView {
  return {
    id: row.id,
    ref: row.ref,
    description: row.description,
    trigger: row.trigger_ref,
    criteria: row.criteria,
    action: row.action_ref,
    parameters: row.parameters,
    enabled: row.enabled,
    created_at: iso(row.created_at)!,
    updated_at: iso(row.updated_at)!,
  };
}
