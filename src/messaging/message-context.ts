import { BaseRpcContext } from '@nestjs/microservices';
import type { Envelope } from '../domain/messages';

export interface DeliveryInfo {
  queue: string;
  consumerTag: string;
  redelivered: boolean;
  /**
   * Why this message was dead-lettered, when it was: RabbitMQ's reason (expired, rejected,
   * maxlen) or the transport's own (invalid-payload, retries-exhausted, unprocessable …).
   */
  deathReason?: string;
  /** The queue it was dead-lettered from. */
  deathQueue?: string;
}

/** What a handler learns about the message besides its payload (use with @Ctx()). */
export class MessageContext extends BaseRpcContext<[Envelope, DeliveryInfo]> {
  get envelope(): Envelope {
    return this.args[0];
  }

  get delivery(): DeliveryInfo {
    return this.args[1];
  }

  get correlationId(): string {
    return this.envelope.correlation_id;
  }
}

/** Thrown by a handler for a message that can never succeed: it goes to the DLQ without retries. */
export class UnprocessableMessageError extends Error {}
