import { Injectable } from '@nestjs/common';
import { AuditTrail } from '../../../audit/audit-trail.service';
import type { Principal } from '../../../auth/principal';
import { InquiryRow, InquiryStore } from '../../../stores/inquiry.store';
import { MessagePublisher } from '../../../messaging/messaging.port';
import { assertNoProblems, conflict, notFound } from '../../../common/errors';
import { Page, toPage } from '../../../http/pagination.dto';
import { iso } from '../../../common/iso';
import { checkAgainst } from '../../../executions/user-schema';
import { InquiryListQueryDto, InquiryView } from './inquiry.dto';

@Injectable()
export class InquiriesService {
  constructor(
    private readonly inquiries: InquiryStore,
    private readonly publisher: MessagePublisher,
    private readonly audit: AuditTrail,
  ) {}

  async list(query: InquiryListQueryDto): Promise<Page<InquiryView>> {
    const page = await this.inquiries.page(query, [{ sql: 'status = ?', value: query.status }]);
    return toPage(page, toView);
  }

  async get(id: string): Promise<InquiryView> {
    return toView(await this.row(id));
  }

  /**
   * Records the answer with one conditional update (two people answering at once: one wins, the
   * other gets 409), then tells the executor. If that publish fails the answer is taken back, so
   * the caller can simply try again.
   */
  async respond(id: string, response: unknown, caller: Principal): Promise<InquiryView> {
    const inquiry = await this.row(id);
    if (inquiry.status !== 'pending' || new Date(inquiry.timeout_at).getTime() <= Date.now()) {
      throw notPending(inquiry);
    }
    if (inquiry.schema) assertNoProblems(checkAgainst(inquiry.schema, response, 'response'));
    const answered = await this.inquiries.respond(id, response);
    if (!answered) throw notPending(await this.row(id));
    try {
      await this.publisher.publish(
        'InquiryResponded',
        { inquiry_id: id, execution_id: answered.execution_id, response },
        { correlationId: answered.correlation_id },
      );
    } catch (error) {
      await this.inquiries.reopen(id);
      throw error;
    }
    await this.audit.record(caller, 'respond', 'inquiry', id, {
      execution_id: answered.execution_id,
    });
    return toView(answered);
  }

  private async row(id: string): Promise<InquiryRow> {
    const row = await this.inquiries.get(id);
    if (!row) throw notFound('inquiry', id);
    return row;
  }
}

function notPending(inquiry: InquiryRow) {
  // Past its deadline it is timed out even before the sweeper has recorded it.
  const status =
    inquiry.status === 'pending' && new Date(inquiry.timeout_at).getTime() <= Date.now()
      ? 'timeout'
      : inquiry.status;
  return conflict(`inquiry ${inquiry.id} is ${status}, not pending; it takes no answer`);
}

function toView(row: InquiryRow): InquiryView {
  return {
    id: row.id,
    execution_id: row.execution_id,
    prompt: row.prompt,
    schema: row.schema,
    status: row.status,
    response: row.response ?? null,
    correlation_id: row.correlation_id,
    timeout_at: iso(row.timeout_at)!,
    responded_at: iso(row.responded_at),
    created_at: iso(row.created_at)!,
  };
}
