import { AppConfig } from '../config/app-config';
import type { Envelope, MessageType, PayloadOf } from '../domain/messages';
import { MetricsService } from '../metrics/metrics.service';
import { newEnvelope } from './envelope-factory';
import { MessagePublisher, PublishOptions } from './messaging.port';
import { Route, routeFor } from './routes';
import { Topology } from './topology';

/** The properties every published message carries, whatever the transport. */
export interface MessageProperties {
  messageId: string;
  correlationId: string;
  type: string;
  timestamp: number;
}

/**
 * Publishing as both transports do it: build the envelope, find the route, hand the bytes to
 * the transport, count it. Payloads are typed here and validated where they are consumed (an
 * invalid one is dead-lettered with the reason there), not validated twice.
 */
export abstract class EnvelopePublisher extends MessagePublisher {
  private readonly source: string;

  constructor(
    config: AppConfig,
    private readonly topology: Topology,
    private readonly metrics: MetricsService,
  ) {
    super();
    this.source = config.roles.join(',');
  }

  /** Sends one message on its route; resolves once the transport has it (confirmed, committed). */
  protected abstract send(
    route: Route,
    content: Buffer,
    properties: MessageProperties,
    expirationMs: number | undefined,
  ): Promise<void>;

  async publish<T extends MessageType>(
    type: T,
    payload: PayloadOf<T>,
    options: PublishOptions = {},
  ): Promise<Envelope<PayloadOf<T>>> {
    const envelope = newEnvelope(type, payload, this.source, options.correlationId);
    const route = routeFor(this.topology, type, payload, { workerId: options.workerId });
    await this.send(
      route,
      Buffer.from(JSON.stringify(envelope)),
      {
        messageId: envelope.message_id,
        correlationId: envelope.correlation_id,
        type,
        timestamp: Math.floor(Date.now() / 1000),
      },
      options.expirationMs,
    );
    this.metrics.published.inc({ exchange: route.exchange, type });
    return envelope;
  }
}
