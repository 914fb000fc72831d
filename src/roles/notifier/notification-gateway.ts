import type { IncomingMessage } from 'node:http';
import { OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import type { WebSocket } from 'ws';
import { WS_CLOSE } from './live-client';
import { LiveClientRegistry } from './live-client-registry';
import type { Principal } from '../../auth/principal';
import { InvalidFilterError, parseNotificationFilter, permittedFor } from './notification-filter';
import { closeReason, WebSocketClient } from './websocket-client';

/**
 * Live notifications over WebSocket at /ws (same port as HTTP), filtered by the query string:
 * `?execution_id=&action=&type=&kind=`. Each notification is one JSON text frame
 * `{ id, type, ...notification }`. Clients send nothing; what they send is ignored.
 */
@WebSocketGateway({ path: '/ws', maxPayload: 4096 })
export class NotificationGateway implements OnGatewayConnection {
  constructor(private readonly clients: LiveClientRegistry) {}

  /** The handshake was checked before the upgrade (WebSocketAuthenticator): it has a principal. */
  handleConnection(socket: WebSocket, request: IncomingMessage & { principal?: Principal }): void {
    const query = new URL(request.url ?? '/', 'http://notifier').searchParams;
    let filter;
    try {
      filter = parseNotificationFilter((name) =>
        query.has(name) ? query.getAll(name) : undefined,
      );
    } catch (error) {
      if (!(error instanceof InvalidFilterError)) throw error;
      socket.close(WS_CLOSE.invalidFilter, closeReason(`invalid filter: ${error.message}`));
      return;
    }
    const client = new WebSocketClient(socket);
    socket.once('close', () => this.clients.remove(client));
    this.clients.add(client, { ...filter, permitted: permittedFor(request.principal!) });
  }
}
