import { get, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import { withAdminKey } from './env';

/** A notification as live clients receive it: `{ id, type, kind, execution_id, status, … }`. */

export type LiveNotification = Record<string, any>;

/** The statuses a feed saw for one execution (or one inquiry kind), in arrival order. */
export function statusesOf(
  notifications: LiveNotification[],
  executionId: string,
  kind = 'execution',
): string[] {
  return notifications
    .filter((n) => n.execution_id === executionId && n.kind === kind)
    .map((n) => n.status);
}

/** A WebSocket client of the notifier's /ws that records what it gets. */
export class WsFeed {
  readonly notifications: LiveNotification[] = [];
  pings = 0;
  closed?: { code: number; reason: string };
  refused?: number;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => this.notifications.push(JSON.parse(data.toString())));
    socket.on('ping', () => this.pings++);
    socket.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
    socket.on('error', () => {});
  }

  /**
   * Resolves once open, or once closed when the server refuses the connection (then `refused`
   * holds the HTTP status of the refused handshake). Sends the admin key unless `headers` has one.
   */
  static open(url: string, headers: Record<string, string> = {}): Promise<WsFeed> {
    const feed = new WsFeed(new WebSocket(url, { headers: withAdminKey(headers) }));
    return new Promise((resolve) => {
      feed.socket.once('open', () => resolve(feed));
      feed.socket.once('close', () => resolve(feed));
      feed.socket.once('unexpected-response', (_request, response) => {
        feed.refused = response.statusCode;
        response.resume();
        resolve(feed);
      });
    });
  }

  /** Stops reading from the socket, like a client that froze (the server's queue grows). */
  pause(): void {
    this.rawSocket.pause();
  }

  resume(): void {
    this.rawSocket.resume();
  }

  close(): void {
    this.socket.terminate();
  }

  private get rawSocket(): Socket {
    return (this.socket as unknown as { _socket: Socket })._socket;
  }
}

export interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
}

/** An SSE client of GET /api/v1/stream that parses events and comments as they come. */
export class SseFeed {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  ended = false;
  private buffer = '';

  private constructor(readonly response: IncomingMessage) {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => this.parse(chunk));
    response.on('end', () => (this.ended = true));
    response.on('close', () => (this.ended = true));
    response.on('error', () => {});
  }

  /** Sends the admin key unless `headers` has one. */
  static open(url: string, headers: Record<string, string> = {}): Promise<SseFeed> {
    return new Promise((resolve, reject) => {
      const sent = { accept: 'text/event-stream', ...withAdminKey(headers) };
      const request = get(url, { headers: sent }, (res) => resolve(new SseFeed(res)));
      request.on('error', reject);
    });
  }

  get status(): number {
    return this.response.statusCode ?? 0;
  }

  /** The unnamed events (notifications), parsed. */
  get notifications(): LiveNotification[] {
    return this.events.filter((e) => !e.event && e.data).map((e) => JSON.parse(e.data!));
  }

  named(name: string): SseEvent[] {
    return this.events.filter((e) => e.event === name);
  }

  /** The id of the last event that carried one (what EventSource would send as Last-Event-ID). */
  get lastEventId(): string | undefined {
    return [...this.events].reverse().find((e) => e.id)?.id;
  }

  pause(): void {
    this.response.pause();
  }

  resume(): void {
    this.response.resume();
  }

  close(): void {
    this.response.destroy();
  }

  private parse(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const event: SseEvent = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        else if (line.startsWith('id: ')) event.id = line.slice(4);
        else if (line.startsWith('event: ')) event.event = line.slice(7);
        else if (line.startsWith('data: ')) event.data = (event.data ?? '') + line.slice(6);
      }
      if (event.id || event.event || event.data) this.events.push(event);
    }
  }
}
