import { pruneBatch, PruneBatch } from './prune-batch';
import { PruneStep, keptEvent } from './retention-rules';
import type { Sql } from './sql';
import { Injectable } from '@nestjs/common';
import { TickBatcher } from '../common/tick-batcher';
import { DatabaseService } from '../database/database.service';
import type { PayloadOf } from '../domain/messages';
import { EXECUTION_COLUMNS } from './execution-columns';
import type { NewExecution } from './execution.store';
import { ExecutionRow } from '../executions/execution-view';
import { ListFilter, listPage, ListQuery, NEWEST_FIRST } from './list-page';
import { poolSql } from './sql';

/** One matching rule's outcome for an event: an execution to request, or why not. */
export interface PlannedEnforcement {
  id: string;
  rule: { ref: string; actionRef: string };
  status: 'created' | 'failed';
  error: string | null;
  execution?: NewExecution;
}

export interface EventRow {
  id: string;
  trigger_ref: string;
  payload: unknown;
  source: string;
  correlation_id: string;
  created_at: Date;
}

export interface EventToRecord {
  event: PayloadOf<'EventCreated'>;
  correlationId: string;
  planned: PlannedEnforcement[];
}

/** Events, their enforcements and executions in one statement (built once: it is long). */
const RECORD_SQL = `WITH ev AS (
         INSERT INTO event (id, trigger_ref, payload, source, correlation_id, created_at)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::jsonb[], $4::text[], $5::uuid[],
                              $6::timestamptz[])
         ON CONFLICT (id) DO NOTHING RETURNING id
       ), enf AS (
         INSERT INTO enforcement (id, event_id, rule_ref, trigger_ref, action_ref, status, error,
                                  correlation_id)
         SELECT u.* FROM unnest($7::uuid[], $8::uuid[], $9::text[], $10::text[], $11::text[],
                                $12::text[], $13::text[], $14::uuid[])
                AS u(id, event_id, rule_ref, trigger_ref, action_ref, status, error, correlation_id)
          WHERE u.event_id IN (SELECT id FROM ev)
       ), ex AS (
         INSERT INTO execution (id, action_ref, status, parameters, correlation_id, enforcement_id,
                                worker_id, created_by, scheduled_at)
         SELECT u.id, u.action_ref,
                CASE WHEN u.worker_id IS NULL THEN 'requested' ELSE 'scheduled' END,
                u.parameters, u.correlation_id, u.enforcement_id, u.worker_id, u.created_by,
                CASE WHEN u.worker_id IS NULL THEN NULL ELSE now() END
           FROM unnest($15::uuid[], $16::text[], $17::jsonb[], $18::uuid[], $19::uuid[],
                       $20::uuid[], $21::uuid[], $22::text[])
                AS u(id, action_ref, parameters, correlation_id, enforcement_id, event_id,
                     worker_id, created_by)
          WHERE u.event_id IN (SELECT id FROM ev)
         RETURNING ${EXECUTION_COLUMNS}
       )
       SELECT (SELECT array_agg(id) FROM ev) AS stored, ex.* FROM (SELECT 1) AS one
         LEFT JOIN ex ON true`;

/**
 * The event table. Events are stored with their enforcements and executions: each event
 * atomically (one statement for all of it), and every event that arrives in the same turn in
 * that same statement. Executions with a worker picked are stored `scheduled` on it, the others
 * `requested`: in the line that waits for a slot (decision 014).
 */
@Injectable()
export class EventStore {
  private readonly batcher = new TickBatcher<EventToRecord, ExecutionRow[] | undefined>(
    (items) => this.recordBatch(items),
    100,
  );

  constructor(private readonly db: DatabaseService) {}

  /** The event's new executions, or undefined when the event was stored before (redelivery). */
  record(item: EventToRecord): Promise<ExecutionRow[] | undefined> {
    return this.batcher.add(item);
  }

  async get(id: string): Promise<EventRow | undefined> {
    const [row] = await this.db.query<EventRow>('SELECT * FROM event WHERE id = $1', [id]);
    return row;
  }

  /** The event a rule fired an execution for (`{{ event.* }}` in a workflow's templates). */
  async ofExecution(
    executionId: string,
  ): Promise<{ id: string; trigger: string; payload: unknown } | undefined> {
    const [row] = await this.db.query<{ id: string; trigger: string; payload: unknown }>(
      `SELECT ev.id, ev.trigger_ref AS trigger, ev.payload
         FROM execution x JOIN enforcement en ON en.id = x.enforcement_id
         JOIN event ev ON ev.id = en.event_id
        WHERE x.id = $1`,
      [executionId],
    );
    return row;
  }

  page(query: ListQuery, filters: ListFilter[]) {
    return listPage<EventRow>(
      poolSql(this.db),
      { from: 'event', columns: '*', filters, order: NEWEST_FIRST },
      query,
    );
  }

  private async recordBatch(items: EventToRecord[]): Promise<Array<ExecutionRow[] | undefined>> {
    // The same event twice in one batch: only the first copy is inserted.
    const firsts = items.filter(
      (item, i) => items.findIndex((o) => o.event.event_id === item.event.event_id) === i,
    );
    const enforcements = firsts.flatMap((item) => item.planned.map((p) => ({ item, p })));
    const executions = enforcements.flatMap(({ item, p }) =>
      p.execution ? [{ item, execution: p.execution }] : [],
    );
    const rows = await this.db.query<ExecutionRow & { stored: string[] | null }>(RECORD_SQL, [
      firsts.map((i) => i.event.event_id),
      firsts.map((i) => i.event.trigger),
      firsts.map((i) => JSON.stringify(i.event.payload ?? null)),
      firsts.map((i) => i.event.source),
      firsts.map((i) => i.correlationId),
      firsts.map((i) => i.event.occurred_at),
      enforcements.map(({ p }) => p.id),
      enforcements.map(({ item }) => item.event.event_id),
      enforcements.map(({ p }) => p.rule.ref),
      enforcements.map(({ item }) => item.event.trigger),
      enforcements.map(({ p }) => p.rule.actionRef),
      enforcements.map(({ p }) => p.status),
      enforcements.map(({ p }) => p.error),
      enforcements.map(({ item }) => item.correlationId),
      executions.map(({ execution }) => execution.id),
      executions.map(({ execution }) => execution.actionRef),
      executions.map(({ execution }) => JSON.stringify(execution.parameters)),
      executions.map(({ execution }) => execution.correlationId),
      executions.map(({ execution }) => execution.enforcementId),
      executions.map(({ item }) => item.event.event_id),
      executions.map(({ execution }) => execution.workerId ?? null),
      executions.map(({ execution }) => execution.createdBy),
    ]);
    const stored = new Set(rows[0].stored ?? []);
    const byEnforcement = new Map(
      rows.filter((r) => r.id !== null).map((r) => [r.enforcement_id, r]),
    );
    const claimed = new Set<string>();
    return items.map((item) => {
      const id = item.event.event_id;
      if (!stored.has(id) || claimed.has(id)) return undefined;
      claimed.add(id);
      return item.planned.flatMap((p) => {
        const row = byEnforcement.get(p.id);
        return row ? [row] : [];
      });
    });
  }

  /** One batch of a retention pass: events older than the window with no enforcement left. */
  prune(sql: Sql, step: PruneStep): Promise<PruneBatch> {
    const spec = { table: 'event', key: 'created_at', id: 'id', idType: 'uuid' as const };
    const keep = keptEvent('t', step);
    return pruneBatch(sql, { ...spec, keep }, step.cutoff, step.after, step.batchSize, step.dryRun);
  }
}
