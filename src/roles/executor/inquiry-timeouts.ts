import { Injectable, Logger } from '@nestjs/common';
import { DatabaseService } from '../../database/database.service';
import { PeriodicTask } from '../../database/periodic-task';
import { ExecutionLifecycle } from '../../executions/execution-lifecycle.service';
import { NotificationSender } from '../../executions/notification-sender';
import { runWithCorrelation } from '../../logging/correlation';

const SWEEP_INTERVAL_MS = 1000;
const BATCH = 100;

interface ExpiredInquiry {
  id: string;
  execution_id: string;
  correlation_id: string;
  timeout_at: Date;
}

/**
 * Times out inquiries nobody answered: the inquiry becomes `timeout` (so a late answer gets 409),
 * then its paused execution `timeout` too. Every executor replica sweeps; the conditional update
 * with SKIP LOCKED lets exactly one of them claim each inquiry, and racing an answer the API is
 * recording, exactly one of the two wins.
 */
@Injectable()
export class InquiryTimeouts extends PeriodicTask {
  protected readonly logger = new Logger('InquiryTimeouts');

  constructor(
    db: DatabaseService,
    private readonly lifecycle: ExecutionLifecycle,
    private readonly notifications: NotificationSender,
  ) {
    super(db, SWEEP_INTERVAL_MS);
  }

  protected async runOnce(): Promise<void> {
    const expired = await this.db.query<ExpiredInquiry>(
      `UPDATE inquiry SET status = 'timeout'
          WHERE status = 'pending' AND id IN (
                SELECT id FROM inquiry WHERE status = 'pending' AND timeout_at <= now()
                 ORDER BY timeout_at LIMIT ${BATCH} FOR UPDATE SKIP LOCKED)
          RETURNING id, execution_id, correlation_id, timeout_at`,
    );
    for (const inquiry of expired) {
      await runWithCorrelation({ correlationId: inquiry.correlation_id }, () =>
        this.timeOut(inquiry),
      );
    }
    await this.finishInterruptedSweeps();
  }

  private async timeOut(inquiry: ExpiredInquiry): Promise<void> {
    const at = new Date(inquiry.timeout_at).toISOString();
    const outcome = await this.lifecycle.transition(inquiry.execution_id, 'timeout', {
      error: `inquiry ${inquiry.id} was not answered by ${at}`,
    });
    this.logger.log(`inquiry ${inquiry.id} timed out (execution ${inquiry.execution_id})`);
    if (!outcome.applied && outcome.reason === 'missing') return;
    const action = outcome.applied ? outcome.row.action_ref : await this.actionOf(inquiry);
    this.notifications.send({
      kind: 'inquiry',
      inquiry_id: inquiry.id,
      execution_id: inquiry.execution_id,
      action: action ?? 'unknown',
      status: 'timeout',
      correlation_id: inquiry.correlation_id,
      at: new Date().toISOString(),
    });
  }

  /**
   * An executor that stopped between timing out an inquiry and its execution leaves the
   * execution paused on an inquiry that can no longer be answered: finish the job.
   */
  private async finishInterruptedSweeps(): Promise<void> {
    const stranded = await this.db.query<{ id: string; execution_id: string; timeout_at: Date }>(
      `SELECT i.id, i.execution_id, i.timeout_at FROM execution e
         JOIN inquiry i ON i.execution_id = e.id
        WHERE e.status = 'paused' AND i.status = 'timeout'
          AND i.timeout_at < now() - interval '10 seconds'
        LIMIT ${BATCH}`,
    );
    for (const inquiry of stranded) {
      await this.lifecycle.transition(inquiry.execution_id, 'timeout', {
        error: `inquiry ${inquiry.id} was not answered by ${new Date(inquiry.timeout_at).toISOString()}`,
      });
    }
  }

  private async actionOf(inquiry: ExpiredInquiry): Promise<string | undefined> {
    const [row] = await this.db.query<{ action_ref: string }>(
      'SELECT action_ref FROM execution WHERE id = $1',
      [inquiry.execution_id],
    );
    return row?.action_ref;
  }
}
