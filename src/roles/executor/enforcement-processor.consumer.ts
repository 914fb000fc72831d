import { Controller, Logger } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { DatabaseService } from '../../database/database.service';
import { matchesCriteria } from '../../domain/criteria';
import type { PayloadOf } from '../../domain/messages';
import { injectedSecretReferences, renderTemplate } from '../../domain/templating';
import { ActionCatalog } from '../../executions/action-catalog';
import { ExecutionLifecycle } from '../../executions/execution-lifecycle.service';
import { ExecutionStore } from '../../stores/execution.store';
import { ExecutionRow } from '../../executions/execution-view';
import { CONSUMERS, OnMessage } from '../../messaging/consumer-components';
import { MessageContext } from '../../messaging/message-context';
import { EventStore, PlannedEnforcement } from '../../stores/event.store';
import { RuleCache } from './rule-cache';
import { SlotDispatcher } from './slot-dispatcher';
import { WorkerDispatch } from './worker-dispatch';
import { WorkerPool } from './worker-pool';
import { historyRowId } from '../../common/uuid';

/**
 * Turns an event into enforcements (one per matching rule) and their executions. The event,
 * its enforcements and executions are stored in one statement (see EventRecorder). Where a
 * worker has room the execution is scheduled on it in that same statement and sent straight
 * to it: a trip through the scheduler's queue and an UPDATE fewer per execution. The others
 * are stored `requested`, in the line the SlotDispatcher takes from as slots free (decision
 * 014). A redelivered event finds its row and only re-sends what was scheduled and has not
 * started, so nothing runs twice.
 */
@Controller()
export class EnforcementProcessor {
  private readonly logger = new Logger('EnforcementProcessor');

  constructor(
    private readonly db: DatabaseService,
    private readonly executions: ExecutionStore,
    private readonly rules: RuleCache,
    private readonly actions: ActionCatalog,
    private readonly lifecycle: ExecutionLifecycle,
    private readonly events: EventStore,
    private readonly pool: WorkerPool,
    private readonly dispatch: WorkerDispatch,
    private readonly dispatcher: SlotDispatcher,
  ) {}

  @OnMessage(CONSUMERS.enforcement, 'EventCreated')
  async onEventCreated(
    @Payload() event: PayloadOf<'EventCreated'>,
    @Ctx() context: MessageContext,
  ): Promise<void> {
    await this.db.whenReady();
    const correlationId = context.correlationId;
    const planned = await this.plan(event, correlationId);

    const created = await this.events.record({ event, correlationId, planned });
    if (created === undefined) {
      for (const p of planned) if (p.execution?.workerId) this.pool.release(p.execution.workerId);
      await this.resendUnstarted(event.event_id);
      return;
    }
    for (const failed of planned.filter((p) => p.status === 'failed')) {
      this.logger.warn(
        `rule ${failed.rule.ref} matched event ${event.event_id} but: ${failed.error}`,
      );
    }
    await Promise.all(created.map((row) => this.send(row, correlationId)));
    if (created.some((row) => row.status === 'requested')) this.dispatcher.joined();
  }

  private async plan(
    event: PayloadOf<'EventCreated'>,
    correlationId: string,
  ): Promise<PlannedEnforcement[]> {
    const subject = { id: event.event_id, trigger: event.trigger, payload: event.payload };
    const planned: PlannedEnforcement[] = [];
    for (const rule of await this.rules.forTrigger(event.trigger)) {
      if (!matchesCriteria(rule.criteria, subject)) continue;
      const id = historyRowId();
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
      const template = rule.parameters ?? {};
      const rendered = renderTemplate(
        template,
        {
          event: { id: event.event_id, trigger: event.trigger, payload: event.payload },
          rule: { ref: rule.ref },
        },
        // Event data must never become shell syntax (see templating.ts).
        { shellQuoted: action.runner === 'shell' ? 'cmd' : undefined },
      ) as Record<string, unknown>;
      const prepared = prepare(template, rendered, action.ref, () =>
        this.actions.prepareParameters(action, rendered),
      );
      if ('error' in prepared) {
        planned.push({ id, rule, status: 'failed', error: prepared.error });
        continue;
      }
      const parameters = prepared.parameters;
      // Executions already waiting for a slot go first: this one joins the line behind them.
      const pick = this.dispatcher.queuesBehindOthers(action)
        ? 'all-busy'
        : await this.pool.pick(action.runner);
      planned.push({
        id,
        rule,
        status: 'created',
        error: null,
        execution: {
          id: historyRowId(),
          actionRef: action.ref,
          parameters,
          correlationId,
          enforcementId: id,
          createdBy: `rule:${rule.ref}`,
          // No room anywhere: it waits in the line as `requested`.
          ...(typeof pick === 'object' ? { workerId: pick.workerId } : {}),
        },
      });
    }
    return planned;
  }

  private async send(row: ExecutionRow, correlationId: string): Promise<void> {
    if (row.status === 'requested') {
      this.lifecycle.notify(row);
      return;
    }
    this.lifecycle.notify({ ...row, status: 'requested', worker_id: null, scheduled_at: null });
    this.lifecycle.notify(row);
    const action = await this.actions.get(row.action_ref);
    if (!action) {
      await this.lifecycle.transition(row.id, 'failed', {
        error: `action '${row.action_ref}' no longer exists`,
      });
      return;
    }
    await this.dispatch.send(row, action, correlationId);
  }

  /**
   * After a crash between commit and publish: send again what was scheduled and has not
   * started yet (the `requested` ones wait in the line, where nothing is lost).
   */
  private async resendUnstarted(eventId: string): Promise<void> {
    for (const row of await this.executions.scheduledOfEvent(eventId)) {
      const action = await this.actions.get(row.action_ref);
      if (action) await this.dispatch.resend(row, action, row.correlation_id);
    }
  }
}

/** The parameters to run, or why they cannot run (event data naming secrets, a bad fit). */
function prepare(
  template: unknown,
  rendered: Record<string, unknown>,
  actionRef: string,
  prepareParameters: () => { parameters: Record<string, unknown>; problems: string[] },
): { parameters: Record<string, unknown> } | { error: string } {
  const injected = injectedSecretReferences(template, rendered);
  if (injected.length > 0) {
    return {
      error:
        `event data holds secret reference(s) ${injected.map((n) => `{{ secret.${n} }}`).join(', ')}; ` +
        'values from events are data and never read secrets',
    };
  }
  try {
    const { parameters, problems } = prepareParameters();
    if (problems.length > 0) {
      return { error: `parameters do not fit ${actionRef}: ${problems.join('; ')}` };
    }
    return { parameters };
  } catch (error) {
    return { error: (error as Error).message };
  }
}
