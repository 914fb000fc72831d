import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { MetricsService } from '../../metrics/metrics.service';
import { DropReason, LiveClient } from './live-client';
import { matchesFilter, NotificationFilter } from './notification-filter';
import { NotificationHub, NumberedNotification } from './notification-hub';

/**
 * The live clients of this notifier, whatever their transport: delivers each notification to the
 * clients whose filter it matches, and keeps each client's queue bounded. A client that cannot
 * take what it is sent (more than NOTIFIER_CLIENT_BUFFER_BYTES waiting on its connection) is
 * dropped with a reason instead of growing the notifier's memory; it may reconnect (and resume,
 * over SSE). One timer sends everyone's heartbeats.
 */
@Injectable()
export class LiveClientRegistry implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('LiveClientRegistry');
  private readonly clients = new Map<LiveClient, NotificationFilter>();
  private readonly bufferLimit: number;
  private unsubscribe?: () => void;
  private heartbeatTimer?: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly hub: NotificationHub,
    private readonly metrics: MetricsService,
  ) {
    this.bufferLimit = config.notifier.clientBufferBytes;
  }

  onApplicationBootstrap(): void {
    this.unsubscribe = this.hub.subscribe((entry) => this.deliver(entry));
    this.heartbeatTimer = setInterval(() => this.heartbeat(), this.config.notifier.heartbeatMs);
    this.heartbeatTimer.unref();
  }

  /** Starts delivering to `client`, `backlog` (what it missed, when resuming) first. */
  add(client: LiveClient, filter: NotificationFilter, backlog: NumberedNotification[] = []): void {
    this.clients.set(client, filter);
    this.metrics.notifierClients.inc({ transport: client.transport });
    for (const entry of backlog) {
      if (!this.offer(client, filter, entry)) break;
    }
  }

  /** Forgets a client that went away (idempotent). */
  remove(client: LiveClient): void {
    if (this.clients.delete(client)) {
      this.metrics.notifierClients.dec({ transport: client.transport });
    }
  }

  get size(): number {
    return this.clients.size;
  }

  private deliver(entry: NumberedNotification): void {
    for (const [client, filter] of this.clients) this.offer(client, filter, entry);
  }

  /** Sends `entry` if the client wants it and has room; false when the client was dropped. */
  private offer(client: LiveClient, filter: NotificationFilter, entry: NumberedNotification) {
    if (!matchesFilter(filter, entry)) return true;
    // json.length counts characters, not bytes: close enough for a limit on mostly ASCII.
    if (client.queuedBytes() + entry.json.length > this.bufferLimit) {
      this.drop(client, 'too_slow');
      return false;
    }
    client.send(entry);
    return true;
  }

  private heartbeat(): void {
    for (const client of this.clients.keys()) {
      if (client.queuedBytes() > this.bufferLimit) this.drop(client, 'too_slow');
      else if (!client.heartbeat()) this.drop(client, 'unresponsive');
    }
  }

  private drop(client: LiveClient, reason: DropReason): void {
    this.remove(client);
    this.metrics.notifierClientsDropped.inc({ transport: client.transport, reason });
    if (reason === 'too_slow') {
      const why = `too slow: send buffer over ${this.bufferLimit} bytes`;
      this.logger.warn(`dropped a ${client.transport} client (${why})`);
      client.drop(why);
    } else {
      this.logger.warn(`dropped a ${client.transport} client: it stopped answering heartbeats`);
    }
  }

  /** Closes every client before the HTTP server stops (open streams would hold it up). */
  beforeApplicationShutdown(): void {
    this.unsubscribe?.();
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    for (const client of [...this.clients.keys()]) {
      this.remove(client);
      client.close();
    }
  }
}
