import type { IncomingMessage } from 'node:http';
import { OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import type { WebSocket } from 'ws';
import { WS_CLOSE } from './live-client';
import { LiveClientRegistry } from './live-client-registry';
import type { Principal } from '../../auth/principal';
import { InvalidFilterError, parseNotificationFilter, permittedFor } from './notification-filter';
import { NotificationHub } from './notification-hub';
import { closeReason, WebSocketClient } from './websocket-client';

/**
 * Live notifications over WebSocket at /ws (same port as HTTP), filtered by the query string:
 * `?execution_id=&action=&type=&kind=`. Each notification is one JSON text frame
 * `{ id, event_id, type, ...notification }`. A client that reconnects with
 * `?last_event_id=<event_id>` first gets what it missed (within the last REPLAY_WINDOW), or, when
 * that is no longer kept, one frame `{ type: "reset", reason, event_id }` telling it to refetch.
 * Clients send nothing; what they send is ignored.
 */
@WebSocketGateway({ path: '/ws', maxPayload: 4096 })
export class NotificationGateway implements OnGatewayConnection {
  constructor(
    private readonly clients: LiveClientRegistry,
    private readonly hub: NotificationHub,
  ) {}

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
    // Replay and subscribe in one synchronous step, so nothing falls between them.
    const lastEventId = query.get('last_event_id');
    let backlog = undefined;
    if (lastEventId) {
      const resume = this.hub.resumeFrom(lastEventId);
      if (resume.found) backlog = resume.missed;
      else {
        const eventId = this.hub.eventId(this.hub.lastId);
        socket.send(JSON.stringify({ type: 'reset', reason: resume.reason, event_id: eventId }));
      }
    }
    this.clients.add(client, { ...filter, permitted: permittedFor(request.principal!) }, backlog);
  }
}
