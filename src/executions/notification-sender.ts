import { Injectable, Logger } from '@nestjs/common';
import { MAX_NOTIFICATIONS_PER_MESSAGE, Notification } from '../domain/messages';
import { MessagePublisher } from '../messaging/messaging.port';

/**
 * Sends notifications in batches: everything queued during one turn of the event loop goes
 * out as one NotificationCreated message, so a busy executor publishes a few messages instead
 * of one per state change, without waiting for a timer. Not awaited by the execution path
 * (notifications are live updates, not state); order is kept because everything this process
 * publishes leaves on one channel in the order it was published.
 */
@Injectable()
export class NotificationSender {
  private readonly logger = new Logger('Notifications');
  private pending: Notification[] = [];
  private scheduled = false;

  constructor(private readonly publisher: MessagePublisher) {}

  send(notification: Notification): void {
    this.pending.push(notification);
    if (this.pending.length >= MAX_NOTIFICATIONS_PER_MESSAGE) {
      this.flush();
    } else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const notifications = this.pending;
    this.pending = [];
    void this.publisher
      .publish(
        'NotificationCreated',
        { notifications },
        { correlationId: notifications[0].correlation_id },
      )
      .catch((error: Error) =>
        this.logger.warn(`${notifications.length} notification(s) not sent: ${error.message}`),
      );
  }
}
