import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { clientAddress, tooManyFailures, unauthorized } from '../../../auth/auth.guard';
import { FailedAuthThrottle } from '../../../auth/failed-auth-throttle';
import type { Principal } from '../../../auth/principal';
import { assertCan } from '../../../auth/ref-scope';
import { AppConfig } from '../../../config/app-config';
import { APP_CONFIG } from '../../../config/config.module';
import { SecretCipher } from '../../../secrets/secret-cipher';
import type { TriggerInfo } from '../triggers/trigger-catalog';
import { checkWebhookSignature, webhookSecretContext } from './webhook-signature';

/** Opened webhook secrets by sealed value (bounded: triggers are few). */
const MAX_OPENED = 1000;

export interface WebhookRequest extends IncomingMessage {
  principal?: Principal;
  /** The body as received (Nest keeps it for JSON bodies: NestFactory's rawBody option). */
  rawBody?: Buffer;
}

/**
 * A webhook is accepted from a key with `webhooks:send` on its trigger, or with a valid
 * signature under the trigger's webhook secret. Anything else is a 401 before anything is stored
 * or published, and counts as a failed attempt of the sender's address.
 */
@Injectable()
export class WebhookAuthenticator {
  private readonly opened = new Map<string, string>();
  private readonly toleranceS: number;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly cipher: SecretCipher,
    private readonly throttle: FailedAuthThrottle,
  ) {
    this.toleranceS = config.auth.webhookToleranceS;
  }

  /** Synchronous for a key (the hot path), a promise for a signature. */
  authorize(
    triggerRef: string,
    trigger: TriggerInfo | undefined,
    request: WebhookRequest,
    response: ServerResponse,
  ): void | Promise<void> {
    // The guard checked a key that was sent; it has no say over signatures.
    if (request.principal) return assertCan(request.principal, 'webhooks:send', triggerRef);
    return this.checkSignature(triggerRef, trigger, request, response);
  }

  private async checkSignature(
    triggerRef: string,
    trigger: TriggerInfo | undefined,
    request: WebhookRequest,
    response: ServerResponse,
  ): Promise<void> {
    const address = clientAddress(request);
    const retryAfter = this.throttle.retryAfterS(address);
    if (retryAfter !== undefined) throw tooManyFailures(response, retryAfter);
    const problem = this.signatureProblem(triggerRef, trigger, request);
    if (problem !== undefined) {
      await this.throttle.recordFailure(address);
      throw unauthorized(response, problem);
    }
  }

  private signatureProblem(
    triggerRef: string,
    trigger: TriggerInfo | undefined,
    request: WebhookRequest,
  ): string | undefined {
    const needs =
      `a webhook needs a key with webhooks:send on ${triggerRef} (Authorization: Bearer <key>)` +
      " or a signature under the trigger's webhook_secret (X-Attune-Signature or X-Hub-Signature-256)";
    if (!trigger?.webhookSecretSealed) return needs;
    const secret = this.open(trigger.ref, trigger.webhookSecretSealed);
    const check = checkWebhookSignature(
      request.headers,
      request.rawBody ?? Buffer.alloc(0),
      secret,
      this.toleranceS,
    );
    if (check === undefined) return needs;
    return check.valid ? undefined : check.reason;
  }

  private open(ref: string, sealed: string): string {
    let secret = this.opened.get(sealed);
    if (secret === undefined) {
      secret = this.cipher.open(sealed, webhookSecretContext(ref));
      if (this.opened.size >= MAX_OPENED) this.opened.clear();
      this.opened.set(sealed, secret);
    }
    return secret;
  }
}
