import { Injectable } from '@nestjs/common';
import type { PayloadOf } from '../../domain/messages';

export type Notification = PayloadOf<'NotificationCreated'>;

/** A numbered notification, so SSE clients can resume with Last-Event-ID. */
export interface NumberedNotification {
  id: number;
  type: 'NotificationCreated';
  notification: Notification;
}

export type NotificationListener = (entry: NumberedNotification) => void;

/** Fans notifications out to every connected client of this notifier instance. */
@Injectable()
export class NotificationHub {
  private readonly listeners = new Set<NotificationListener>();
  private sequence = 0;

  publish(notification: Notification): void {
    const entry: NumberedNotification = {
      id: ++this.sequence,
      type: 'NotificationCreated',
      notification,
    };
    for (const listener of this.listeners) listener(entry);
  }

  subscribe(listener: NotificationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get clientCount(): number {
    return this.listeners.size;
  }
}
