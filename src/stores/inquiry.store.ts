import { pruneBatch, PruneBatch } from './prune-batch';
import { PruneStep, keptInquiry } from './retention-rules';
import type { Sql } from './sql';
import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../database/database.service';
import { ListFilter, listPage, ListQuery, NEWEST_FIRST } from './list-page';
import { jsonParam, poolSql } from './sql';

export interface InquiryRow {
  id: string;
  execution_id: string;
  prompt: string;
  schema: Record<string, unknown> | null;
  status: string;
  response: unknown;
  correlation_id: string;
  timeout_at: Date;
  responded_at: Date | null;
  created_at: Date;
}

export interface ExpiredInquiry {
  id: string;
  execution_id: string;
  correlation_id: string;
  timeout_at: Date;
}

/**
 * The inquiry table: questions `core.ask` put to people. Every change of status is one
 * conditional UPDATE, so an answer and a timeout racing each other cannot both win.
 */
@Injectable()
export class InquiryStore {
  constructor(private readonly db: DatabaseService) {}

  /** Stores a pending inquiry once per execution; false when it was stored before. */
  async insertPending(inquiry: {
    id: string;
    executionId: string;
    prompt: string;
    schema: Record<string, unknown> | null | undefined;
    correlationId: string;
    timeoutAt: string;
  }): Promise<boolean> {
    const inserted = await this.db.query(
      `INSERT INTO inquiry (id, execution_id, prompt, schema, status, correlation_id, timeout_at)
       VALUES ($1, $2, $3, $4, 'pending', $5, $6)
       ON CONFLICT (execution_id) DO NOTHING RETURNING id`,
      [
        inquiry.id,
        inquiry.executionId,
        inquiry.prompt,
        jsonParam(inquiry.schema),
        inquiry.correlationId,
        inquiry.timeoutAt,
      ],
    );
    return inserted.length > 0;
  }

  async get(id: string): Promise<InquiryRow | undefined> {
    const [row] = await this.db.query<InquiryRow>('SELECT * FROM inquiry WHERE id = $1', [id]);
    return row;
  }

  page(query: ListQuery, filters: ListFilter[]) {
    return listPage<InquiryRow>(
      poolSql(this.db),
      { from: 'inquiry', columns: '*', filters, order: NEWEST_FIRST },
      query,
    );
  }

  /** Records an answer if still pending and in time; undefined otherwise. */
  async respond(id: string, response: unknown): Promise<InquiryRow | undefined> {
    const [row] = await this.db.query<InquiryRow>(
      `UPDATE inquiry SET status = 'responded', response = $2, responded_at = now()
        WHERE id = $1 AND status = 'pending' AND timeout_at > now() RETURNING *`,
      [id, jsonParam(response)],
    );
    return row;
  }

  /** Takes back an answer that could not be passed on, so it can be given again. */
  async reopen(id: string): Promise<void> {
    await this.db.query(
      `UPDATE inquiry SET status = 'pending', response = NULL, responded_at = NULL
        WHERE id = $1 AND status = 'responded'`,
      [id],
    );
  }

  /** Its execution was canceled while waiting: the question is withdrawn. */
  async cancelPendingOf(executionId: string): Promise<void> {
    await this.db.query(
      `UPDATE inquiry SET status = 'canceled' WHERE execution_id = $1 AND status = 'pending'`,
      [executionId],
    );
  }

  /** Marks up to `limit` overdue pending inquiries timed out; each claimed by one replica. */
  takeExpired(limit: number): Promise<ExpiredInquiry[]> {
    return this.db.query<ExpiredInquiry>(
      `UPDATE inquiry SET status = 'timeout'
          WHERE status = 'pending' AND id IN (
                SELECT id FROM inquiry WHERE status = 'pending' AND timeout_at <= now()
                 ORDER BY timeout_at LIMIT $1 FOR UPDATE SKIP LOCKED)
          RETURNING id, execution_id, correlation_id, timeout_at`,
      [limit],
    );
  }

  /** Timed-out inquiries whose execution is still paused (a sweep stopped half-way). */
  strandedTimeouts(limit: number): Promise<Array<Omit<ExpiredInquiry, 'correlation_id'>>> {
    return this.db.query(
      `SELECT i.id, i.execution_id, i.timeout_at FROM inquiry i
         JOIN execution e ON e.id = i.execution_id
        WHERE e.status = 'paused' AND i.status = 'timeout'
          AND i.timeout_at < now() - interval '10 seconds'
        LIMIT $1`,
      [limit],
    );
  }

  /** One batch of a retention pass: inquiries older than the window whose execution goes. */
  prune(sql: Sql, step: PruneStep): Promise<PruneBatch> {
    const spec = { table: 'inquiry', key: 'created_at', id: 'id', idType: 'uuid' as const };
    const keep = keptInquiry('t', step.foreignKeys);
    return pruneBatch(sql, { ...spec, keep }, step.cutoff, step.after, step.batchSize, step.dryRun);
  }
}
