import { AmqpConnection } from '@golevelup/nestjs-rabbitmq';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { Channel, ChannelModel, ConfirmChannel } from 'amqplib';
import { AppConfig, redactUrl } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { CONSUMERS, prefetchOf } from '../consumer-components';
import { TransportConnection } from '../messaging.port';
import { coalesceAmqpFrames } from './coalesce-frames';

/**
 * The one managed RabbitMQ connection of this process (golevelup's AmqpConnection over
 * amqp-connection-manager). It connects in the background and reconnects by itself; nothing
 * here blocks start-up, so HTTP and /health/live answer while the broker is away.
 */
@Injectable()
export class BrokerConnection extends TransportConnection implements OnApplicationShutdown {
  readonly kind = 'rabbitmq' as const;
  private readonly logger = new Logger('Broker');
  readonly amqp: AmqpConnection;
  readonly address: string;
  private lastError: string | undefined = 'not connected yet';
  private readonly connectListeners: Array<() => void> = [];
  private closing = false;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super();
    coalesceAmqpFrames();
    this.address = redactUrl(config.messaging.url);
    const channels: Record<string, { prefetchCount: number }> = {};
    if (config.roles.includes('worker')) {
      // The worker's own channel, with its own prefetch.
      channels[CONSUMERS.workerExecutions.channel] = {
        prefetchCount: prefetchOf(CONSUMERS.workerExecutions, config),
      };
    }
    this.amqp = new AmqpConnection({
      uri: config.messaging.url,
      prefetchCount: config.messaging.prefetch,
      channels,
      enableDirectReplyTo: false,
      registerHandlers: false,
      connectionInitOptions: {
        wait: false,
        skipConnectionFailedLogging: true,
        skipDisconnectFailedLogging: true,
      },
      connectionManagerOptions: {
        heartbeatIntervalInSeconds: 5,
        reconnectTimeInSeconds: 1,
        // amqplib leaves Nagle on, which adds ~40 ms to every request/response hop.
        connectionOptions: {
          noDelay: true,
          clientProperties: { connection_name: config.instanceId },
        },
      },
      logger: new Logger('AmqpConnection'),
    });
  }

  /** Starts connecting (returns at once); called by the messaging module at init. */
  async start(): Promise<void> {
    await this.amqp.init();
    const manager = this.amqp.managedConnection;
    manager.on('connect', () => {
      this.lastError = undefined;
      this.logger.log(`connected to RabbitMQ at ${this.address}`);
      for (const listener of this.connectListeners) listener();
    });
    manager.on('connectFailed', ({ err }) => {
      this.lastError = `RabbitMQ at ${this.address}: ${err?.message ?? 'connection failed'}`;
      this.logger.warn(`waiting for ${this.lastError} (retrying)`);
    });
    manager.on('disconnect', ({ err }) => {
      this.lastError = `RabbitMQ at ${this.address}: disconnected (${err?.message ?? 'closed'})`;
      if (!this.closing) this.logger.warn(`${this.lastError}; reconnecting`);
    });
  }

  get isConnected(): boolean {
    return this.amqp.managedConnection?.isConnected() ?? false;
  }

  get notConnectedReason(): string | undefined {
    return this.isConnected ? undefined : (this.lastError ?? `RabbitMQ at ${this.address}: down`);
  }

  /** Runs `listener` after every (re)connect, and now if already connected. */
  onConnect(listener: () => void): void {
    this.connectListeners.push(listener);
    if (this.isConnected) listener();
  }

  whenConnected(): Promise<void> {
    if (this.isConnected) return Promise.resolve();
    return new Promise((resolve) => this.amqp.managedConnection.once('connect', () => resolve()));
  }

  /**
   * Runs `fn` on a short-lived channel of its own. Declaring or checking objects there means a
   * 404/406 closes only that channel, never the managed ones consumers and publishers use
   * (amqplib directly: golevelup has no way to scope a failing operation to a spare channel).
   */
  async withSpareChannel<T>(fn: (channel: Channel) => Promise<T>, confirm = false): Promise<T> {
    const connection = this.amqp.connection as unknown as ChannelModel;
    const channel: Channel | ConfirmChannel = confirm
      ? await connection.createConfirmChannel()
      : await connection.createChannel();
    let closed = false;
    channel.on('error', () => {}); // the rejected operation reports the error itself
    channel.on('close', () => (closed = true));
    try {
      return await fn(channel);
    } finally {
      if (!closed) await channel.close().catch(() => {});
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    await this.amqp.managedConnection?.close().catch(() => {});
  }
}
