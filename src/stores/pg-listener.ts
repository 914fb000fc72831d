import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { backoffDelay, delay } from '../common/backoff';

/**
 * LISTEN on one channel over a connection of its own (a pooled one would be handed to other
 * statements): calls `onNotify` with each payload, and `onReconnect` after a reconnect (what was
 * notified meanwhile is lost, so the listener should look for itself). Reconnects with backoff
 * until stopped.
 */
export class PgListener {
  private readonly logger = new Logger('PgListener');
  private client?: Client;
  private readonly stopped = new AbortController();
  /** LISTENing right now. */
  isListening = false;
  /** Why it is not, when it is not. */
  lastError: string | undefined = 'not connected yet';
  private readonly listeningHandlers: Array<() => void> = [];

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly onNotify: (payload: string) => void,
    private readonly onReconnect: () => void = () => {},
  ) {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`bad channel name ${channel}`);
  }

  start(): void {
    void this.listen();
  }

  /** Runs `handler` each time LISTEN is in place (after the first connect and every reconnect). */
  onListening(handler: () => void): void {
    this.listeningHandlers.push(handler);
  }

  async stop(): Promise<void> {
    this.stopped.abort();
    await this.client?.end().catch(() => {});
  }

  private async listen(): Promise<void> {
    for (let attempt = 0; !this.stopped.signal.aborted; attempt++) {
      const client = new Client({ connectionString: this.url, keepAlive: true });
      try {
        const closed = new Promise<void>((resolve) => {
          // Kept for the client's life: an 'error' event with no listener would kill the process.
          client.on('error', () => resolve());
          client.on('end', () => resolve());
        });
        client.on('notification', (message) => this.onNotify(message.payload ?? ''));
        await client.connect();
        await client.query(`LISTEN ${this.channel}`);
        this.client = client;
        this.isListening = true;
        this.lastError = undefined;
        for (const handler of this.listeningHandlers) handler();
        if (attempt > 0) this.onReconnect();
        attempt = 0;
        await closed;
        this.lastError = 'connection closed';
      } catch (error) {
        this.lastError = (error as Error).message;
        this.logger.warn(`LISTEN ${this.channel}: ${(error as Error).message}`);
      }
      this.isListening = false;
      await client.end().catch(() => {});
      if (!this.stopped.signal.aborted) await delay(backoffDelay(attempt), this.stopped.signal);
    }
  }
}
