import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Options } from 'amqplib';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { MetricsService } from '../../metrics/metrics.service';
import { PublishError } from '../messaging.port';
import { Topology } from '../topology';
import { BrokerConnection } from './broker-connection';
import { EnvelopePublisher, MessageProperties } from '../envelope-publisher';
import type { Route } from '../routes';

export interface RawPublish {
  exchange: string;
  routingKey: string;
  content: Buffer;
  mandatory: boolean;
  properties: Options.Publish;
}

/**
 * Publishes persistent messages with publisher confirms on golevelup's managed channel.
 * amqp-connection-manager waits out disconnections; `timeout` bounds that wait. Payloads are
 * typed here and validated where they are consumed (an invalid one is dead-lettered with the
 * reason there), not validated twice.
 */
@Injectable()
export class RabbitPublisher extends EnvelopePublisher {
  /** Message ids the broker returned as unroutable (basic.return arrives before the ack). */
  private readonly returned = new Map<string, string>();
  private returnListenerAdded = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly broker: BrokerConnection,
    topology: Topology,
    metrics: MetricsService,
  ) {
    super(config, topology, metrics);
  }

  protected send(
    route: Route,
    content: Buffer,
    properties: MessageProperties,
    expirationMs: number | undefined,
  ): Promise<void> {
    return this.publishRaw({
      exchange: route.exchange,
      routingKey: route.routingKey,
      mandatory: route.mandatory,
      content,
      properties: {
        ...properties,
        ...(expirationMs !== undefined ? { expiration: String(expirationMs) } : {}),
      },
    });
  }

  /** The one path every message leaves this process by (also retries, dead letters, replays). */
  async publishRaw(message: RawPublish): Promise<void> {
    this.ensureReturnListener();
    const messageId = message.properties.messageId ?? randomUUID();
    const destination = `${message.exchange || '(default exchange)'} with key '${message.routingKey}'`;
    const timeoutMs = this.config.messaging.publishTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.broker.amqp.managedChannel.publish(
          message.exchange,
          message.routingKey,
          message.content,
          {
            ...message.properties,
            messageId,
            persistent: true,
            mandatory: message.mandatory,
            contentType: 'application/json',
            appId: 'attune',
            timeout: Math.max(1, deadline - Date.now()),
          } as Options.Publish,
        );
        break;
      } catch (error) {
        const reason = (error as Error).message;
        // In flight when the connection dropped: the broker may or may not have it. Send it
        // again after the reconnect (same message id; consumers are idempotent).
        if (/closed/i.test(reason) && Date.now() < deadline) continue;
        throw new PublishError(
          reason === 'timeout' || /closed/i.test(reason)
            ? `publish to ${destination} not confirmed within ${timeoutMs} ms (${this.broker.notConnectedReason ?? 'broker slow'})`
            : `publish to ${destination} failed: ${reason}`,
        );
      }
    }
    const returnedBecause = this.returned.get(messageId);
    if (returnedBecause !== undefined) {
      this.returned.delete(messageId);
      throw new PublishError(
        `publish to ${destination} was returned as unroutable (${returnedBecause}): no queue is bound for it`,
      );
    }
  }

  private ensureReturnListener(): void {
    if (this.returnListenerAdded) return;
    this.returnListenerAdded = true;
    void this.broker.amqp.managedChannel.addSetup((channel: import('amqplib').Channel) => {
      channel.on('return', (msg) => {
        const id = msg.properties.messageId;
        if (typeof id === 'string') this.returned.set(id, msg.fields.replyText);
      });
    });
  }
}
