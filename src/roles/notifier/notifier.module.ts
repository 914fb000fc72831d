import { Module } from '@nestjs/common';
import { StreamTicketsModule } from '../../auth/stream-tickets.controller';
import { LiveClientRegistry } from './live-client-registry';
import { NotificationConsumer } from './notification.consumer';
import { NotificationGateway } from './notification-gateway';
import { NotificationHub } from './notification-hub';
import { NotificationStreamController } from './notification-stream.controller';
import { WebSocketAuthenticator } from './websocket-authenticator';

/**
 * The notifier role: reads its own per-instance queue and pushes every notification to live
 * clients over WebSocket (/ws) and Server-Sent Events (GET /api/v1/stream).
 */
@Module({
  imports: [StreamTicketsModule],
  controllers: [NotificationConsumer, NotificationStreamController],
  providers: [NotificationHub, LiveClientRegistry, NotificationGateway, WebSocketAuthenticator],
})
export class NotifierModule {}
