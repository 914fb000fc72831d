import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { CONSUMERS, OnMessage } from '../../messaging/consumer-components';
import type { PayloadOf } from '../../domain/messages';
import { NotificationHub } from './notification-hub';

/** Reads this instance's own notification queue (every replica sees every notification). */
@Controller()
export class NotificationConsumer {
  constructor(private readonly hub: NotificationHub) {}

  @OnMessage(CONSUMERS.notifications, 'NotificationCreated')
  onNotifications(@Payload() batch: PayloadOf<'NotificationCreated'>): void {
    for (const notification of batch.notifications) this.hub.publish(notification);
  }
}
