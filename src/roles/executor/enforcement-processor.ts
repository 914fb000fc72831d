import { randomUUID } from 'node:crypto';
import { Controller, Logger } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { DatabaseService } from '../../database/database.service';
import { matchesCriteria } from '../../domain/criteria';
import type { PayloadOf } from '../../domain/messages';
import { renderTemplate } from '../../domain/templating';
import { ActionCatalog } from '../../executions/action-catalog';
import { ExecutionLifecycle } from '../../executions/execution-lifecycle.service';
import {
  EXECUTION_COLUMNS,
  FIRST_REDISPATCH_SQL,
  NewExecution,
} from '../../executions/execution.store';
import { ExecutionRow } from '../../executions/execution-view';
import { CONSUMERS, OnMessage } from '../../messaging/consumer-components';
import { MessageContext } from '../../messaging/message-context';
import { EnabledRule, RuleCache } from './rule-cache';

interface PlannedEnforcement {
  id: string;
  rule: EnabledRule;
  status: 'created' | 'failed';
  error: string | null;
  execution?: NewExecution;
}

/**
 * Turns an event into enforcements (one per matching rule) and their executions. The event,
 * its enforcements and executions are stored in one transaction; a redelivered event finds
 * its row and only re-sends what is still `requested`, so nothing runs twice.
 */
@Controller()
export class EnforcementProcessor {
  private readonly logger = new Logger('EnforcementProcessor');

  constructor(
    private readonly db: DatabaseService,
    private readonly rules: RuleCache,
    private readonly actions: ActionCatalog,
    private readonly lifecycle: ExecutionLifecycle,
  ) {}

  @OnMessage(CONSUMERS.enforcement, 'EventCreated')
  async onEventCreated(
    @Payload() event: PayloadOf<'EventCreated'>,
    @Ctx() context: MessageContext,
  ): Promise<void> {
    await this.db.whenReady();
    const correlationId = context.correlationId;
    const planned = await this.plan(event, correlationId);

    const created = await this.store(event, correlationId, planned);
    if (created === undefined) {
      await this.resendRequested(event.event_id);
      return;
    }
    for (const failed of planned.filter((p) => p.status === 'failed')) {
      this.logger.warn(
        `rule ${failed.rule.ref} matched event ${event.event_id} but: ${failed.error}`,
      );
    }
    await Promise.all(created.map((row) => this.dispatch(row)));
  }

  /**
   * Stores the event, its enforcements and their executions in ONE statement (so, atomically,
   * in one round trip). Returns the executions, or undefined when the event was stored before.
   */
  private async store(
    event: PayloadOf<'EventCreated'>,
    correlationId: string,
    planned: PlannedEnforcement[],
  ): Promise<ExecutionRow[] | undefined> {
    const executions = planned.flatMap((p) => (p.execution ? [p.execution] : []));
    const rows = await this.db.query<ExecutionRow & { stored: number }>(
      `WITH ev AS (
         INSERT INTO event (id, trigger_ref, payload, source, correlation_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING RETURNING id
       ), enf AS (
         INSERT INTO enforcement (id, event_id, rule_ref, trigger_ref, action_ref, status, error,
                                  correlation_id)
         SELECT u.id, $1, u.rule_ref, $2, u.action_ref, u.status, u.error, $5
           FROM unnest($7::uuid[], $8::text[], $9::text[], $10::text[], $11::text[])
                AS u(id, rule_ref, action_ref, status, error)
          WHERE EXISTS (SELECT 1 FROM ev)
       ), ex AS (
         INSERT INTO execution (id, action_ref, status, parameters, correlation_id, enforcement_id,
                                dispatch_after)
         SELECT u.id, u.action_ref, 'requested', u.parameters, $5, u.enforcement_id,
                ${FIRST_REDISPATCH_SQL}
           FROM unnest($12::uuid[], $13::text[], $14::jsonb[], $15::uuid[])
                AS u(id, action_ref, parameters, enforcement_id)
          WHERE EXISTS (SELECT 1 FROM ev)
         RETURNING ${EXECUTION_COLUMNS}
       )
       SELECT (SELECT count(*) FROM ev)::int AS stored, ex.* FROM (SELECT 1) AS one
         LEFT JOIN ex ON true`,
      [
        event.event_id,
        event.trigger,
        JSON.stringify(event.payload ?? null),
        event.source,
        correlationId,
        event.occurred_at,
        planned.map((p) => p.id),
        planned.map((p) => p.rule.ref),
        planned.map((p) => p.rule.actionRef),
        planned.map((p) => p.status),
        planned.map((p) => p.error),
        executions.map((e) => e.id),
        executions.map((e) => e.actionRef),
        executions.map((e) => JSON.stringify(e.parameters)),
        executions.map((e) => e.enforcementId),
      ],
    );
    if (rows[0].stored === 0) return undefined;
    return rows.filter((row) => row.id !== null);
  }

  private async plan(
    event: PayloadOf<'EventCreated'>,
    correlationId: string,
  ): Promise<PlannedEnforcement[]> {
    const subject = { id: event.event_id, trigger: event.trigger, payload: event.payload };
    const planned: PlannedEnforcement[] = [];
    for (const rule of await this.rules.forTrigger(event.trigger)) {
      if (!matchesCriteria(rule.criteria, subject)) continue;
      const id = randomUUID();
      const action = await this.actions.get(rule.actionRef);
      if (!action) {
        planned.push({
          id,
          rule,
          status: 'failed',
          error: `action '${rule.actionRef}' does not exist`,
        });
        continue;
      }
      const rendered = renderTemplate(rule.parameters ?? {}, {
        event: { id: event.event_id, trigger: event.trigger, payload: event.payload },
        rule: { ref: rule.ref },
      }) as Record<string, unknown>;
      const { parameters, problems } = this.actions.prepareParameters(action, rendered);
      if (problems.length > 0) {
        planned.push({
          id,
          rule,
          status: 'failed',
          error: `parameters do not fit ${action.ref}: ${problems.join('; ')}`,
        });
        continue;
      }
      planned.push({
        id,
        rule,
        status: 'created',
        error: null,
        execution: {
          id: randomUUID(),
          actionRef: action.ref,
          parameters,
          correlationId,
          enforcementId: id,
        },
      });
    }
    return planned;
  }

  private async dispatch(row: ExecutionRow): Promise<void> {
    this.lifecycle.notify(row);
    await this.lifecycle.requestScheduling(row);
  }

  /** After a crash between commit and publish: send again what nobody has scheduled yet. */
  private async resendRequested(eventId: string): Promise<void> {
    const rows = await this.db.query<ExecutionRow>(
      `SELECT e.id, e.action_ref, e.attempt, e.correlation_id FROM execution e
         JOIN enforcement f ON f.id = e.enforcement_id
        WHERE f.event_id = $1 AND e.status = 'requested'`,
      [eventId],
    );
    for (const row of rows) await this.lifecycle.requestScheduling(row);
  }
}
