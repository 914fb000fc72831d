import { WebSocket } from 'ws';
import { CLOSE_GRACE_MS, LiveClient, WS_CLOSE } from './live-client';
import type { NumberedNotification } from './notification-hub';

/** A client on /ws: notifications are text frames, heartbeats are ping frames. */
export class WebSocketClient implements LiveClient {
  readonly transport = 'ws' as const;
  private answeredPing = true;

  constructor(private readonly socket: WebSocket) {
    socket.on('pong', () => (this.answeredPing = true));
  }

  queuedBytes(): number {
    return this.socket.bufferedAmount;
  }

  send(entry: NumberedNotification): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(entry.json);
  }

  /** A client that did not answer the previous ping is gone (half-open, or frozen). */
  heartbeat(): boolean {
    if (!this.answeredPing) {
      this.socket.terminate();
      return false;
    }
    this.answeredPing = false;
    if (this.socket.readyState === WebSocket.OPEN) this.socket.ping();
    return true;
  }

  drop(reason: string): void {
    this.socket.close(WS_CLOSE.tooSlow, closeReason(reason));
    setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS).unref();
  }

  close(): void {
    this.socket.close(WS_CLOSE.goingAway, 'notifier shutting down');
  }
}

/** RFC 6455 allows 123 bytes of close reason. */
export function closeReason(text: string): string {
  const bytes = Buffer.from(text);
  return bytes.length <= 123 ? text : bytes.subarray(0, 120).toString() + '...';
}
