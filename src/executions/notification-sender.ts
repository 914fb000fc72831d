import { Injectable, Logger } from '@nestjs/common';
import { MAX_NOTIFICATIONS_PER_MESSAGE, Notification } from '../domain/messages';
import { MessagePublisher } from '../messaging/messaging.port';

/**
 * Sends notifications in batches: everything queued within FLUSH_MS goes out as one
 * NotificationCreated message, so an executor publishes a few messages a second instead of one
 * per state change (four per execution). People watching a stream do not see 10 ms; the broker
 * and this process see the difference. Not awaited by the execution path (notifications are
 * live updates, not state); their order is kept, as they leave in the order they were queued.
 */
const FLUSH_MS = 10;

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
      setTimeout(() => this.flush(), FLUSH_MS);
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
