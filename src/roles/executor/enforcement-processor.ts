import { randomUUID } from 'node:crypto';
import { Controller, Logger } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { DatabaseService } from '../../database/database.service';
import { matchesCriteria } from '../../domain/criteria';
import type { PayloadOf } from '../../domain/messages';
import { renderTemplate } from '../../domain/templating';
import { ActionCatalog } from '../../executions/action-catalog';
import { ExecutionLifecycle } from '../../executions/execution-lifecycle.service';
import { ExecutionRow } from '../../executions/execution-view';
import { CONSUMERS, OnMessage } from '../../messaging/consumer-components';
import { MessageContext } from '../../messaging/message-context';
import { EventRecorder, PlannedEnforcement } from './event-recorder';
import { RuleCache } from './rule-cache';

/**
 * Turns an event into enforcements (one per matching rule) and their executions. The event,
 * its enforcements and executions are stored in one statement (see EventRecorder); a
 * redelivered event finds its row and only re-sends what is still `requested`, so nothing
 * runs twice.
 */
@Controller()
export class EnforcementProcessor {
  private readonly logger = new Logger('EnforcementProcessor');

  constructor(
    private readonly db: DatabaseService,
    private readonly rules: RuleCache,
    private readonly actions: ActionCatalog,
    private readonly lifecycle: ExecutionLifecycle,
    private readonly recorder: EventRecorder,
  ) {}

  @OnMessage(CONSUMERS.enforcement, 'EventCreated')
  async onEventCreated(
    @Payload() event: PayloadOf<'EventCreated'>,
    @Ctx() context: MessageContext,
  ): Promise<void> {
    await this.db.whenReady();
    const correlationId = context.correlationId;
    const planned = await this.plan(event, correlationId);

    const created = await this.recorder.record({ event, correlationId, planned });
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
