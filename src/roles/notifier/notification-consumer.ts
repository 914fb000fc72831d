import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { CONSUMERS, OnMessage } from '../../messaging/consumer-components';
import { Notification, NotificationHub } from './notification-hub';

/** Reads this instance's own notification queue (every replica sees every notification). */
@Controller()
export class NotificationConsumer {
  constructor(private readonly hub: NotificationHub) {}

  @OnMessage(CONSUMERS.notifications, 'NotificationCreated')
  onNotification(@Payload() notification: Notification): void {
    this.hub.publish(notification);
  }
}
