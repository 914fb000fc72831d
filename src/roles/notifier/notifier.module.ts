import { Module } from '@nestjs/common';
import { LiveClients } from './live-clients';
import { NotificationConsumer } from './notification-consumer';
import { NotificationGateway } from './notification-gateway';
import { NotificationHub } from './notification-hub';
import { NotificationStreamController } from './notification-stream.controller';

/**
 * The notifier role: reads its own per-instance queue and pushes every notification to live
 * clients over WebSocket (/ws) and Server-Sent Events (GET /api/v1/stream).
 */
@Module({
  controllers: [NotificationConsumer, NotificationStreamController],
  providers: [NotificationHub, LiveClients, NotificationGateway],
})
export class NotifierModule {}
