import { Module } from '@nestjs/common';
import { NotificationConsumer } from './notification-consumer';
import { NotificationHub } from './notification-hub';

/** The notifier role: pushes notifications to live clients. */
@Module({
  controllers: [NotificationConsumer],
  providers: [NotificationHub],
})
export class NotifierModule {}
