import { Injectable, Logger } from '@nestjs/common';
import { DatabaseService } from '../../database/database.service';
import { PeriodicTask } from '../../database/periodic-task';
import { ExecutionLifecycle } from '../../executions/execution-lifecycle.service';
import { ExecutionStore } from '../../stores/execution.store';
import { ExpiredInquiry, InquiryStore } from '../../stores/inquiry.store';
import { NotificationSender } from '../../executions/notification-sender';
import { runWithCorrelation } from '../../logging/correlation';

const SWEEP_INTERVAL_MS = 1000;
const BATCH = 100;

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
    private readonly inquiries: InquiryStore,
    private readonly executions: ExecutionStore,
    private readonly lifecycle: ExecutionLifecycle,
    private readonly notifications: NotificationSender,
  ) {
    super(db, SWEEP_INTERVAL_MS);
  }

  protected async runOnce(): Promise<void> {
    const expired = await this.inquiries.takeExpired(BATCH);
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
    const action = outcome.applied
      ? outcome.row.action_ref
      : await this.executions.actionRefOf(inquiry.execution_id);
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
    const stranded = await this.inquiries.strandedTimeouts(BATCH);
    for (const inquiry of stranded) {
      await this.lifecycle.transition(inquiry.execution_id, 'timeout', {
        error: `inquiry ${inquiry.id} was not answered by ${new Date(inquiry.timeout_at).toISOString()}`,
      });
    }
  }
}
