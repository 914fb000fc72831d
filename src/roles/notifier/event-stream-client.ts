import type { ServerResponse } from 'node:http';
import { CLOSE_GRACE_MS, LiveClient } from './live-client';
import type { NumberedNotification } from './notification-hub';

/**
 * A client of GET /api/v1/stream (Server-Sent Events). Notifications are unnamed events (so
 * EventSource.onmessage gets them) with `id: <stream>-<seq>` for Last-Event-ID; control events
 * are named: `reset` (resume impossible) and `error` (dropped, with the reason).
 */
export class EventStreamClient implements LiveClient {
  readonly transport = 'sse' as const;

  constructor(
    private readonly response: ServerResponse,
    private readonly eventId: (sequence: number) => string,
  ) {}

  /** First bytes of the stream: how long EventSource waits before reconnecting, and a hello. */
  open(retryMs: number): void {
    this.write(`retry: ${retryMs}\n: connected\n\n`);
  }

  queuedBytes(): number {
    return this.response.writableLength;
  }

  send(entry: NumberedNotification): void {
    this.write(`id: ${this.eventId(entry.id)}\ndata: ${entry.json}\n\n`);
  }

  /** A named control event; `sequence` moves the client's Last-Event-ID along when given. */
  event(name: string, data: object, sequence?: number): void {
    const id = sequence === undefined ? '' : `id: ${this.eventId(sequence)}\n`;
    this.write(`${id}event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** A comment line: ignored by clients, but keeps proxies from closing an idle stream. */
  comment(text: string): void {
    this.write(`: ${text}\n\n`);
  }

  heartbeat(): boolean {
    this.comment('ping');
    return true;
  }

  drop(reason: string): void {
    this.event('error', { reason });
    this.response.end();
    setTimeout(() => this.response.destroy(), CLOSE_GRACE_MS).unref();
  }

  close(): void {
    this.response.end();
  }

  private write(text: string): void {
    if (!this.response.writableEnded && !this.response.destroyed) this.response.write(text);
  }
}
