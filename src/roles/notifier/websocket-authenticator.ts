import type { IncomingMessage } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { bearerToken, clientAddress } from '../../auth/auth.guard';
import { FailedAuthThrottle } from '../../auth/failed-auth-throttle';
import { KeyAuthenticator } from '../../auth/key-authenticator.service';
import { lacks, Principal } from '../../auth/principal';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';

/** What `ws` hands its verifyClient hook. */
export interface HandshakeInfo {
  origin: string | undefined;
  secure: boolean;
  req: IncomingMessage & { principal?: Principal };
}

export type HandshakeAnswer = (
  verified: boolean,
  code?: number,
  message?: string,
  headers?: Record<string, string>,
) => void;

/**
 * Admits a WebSocket to /ws before the upgrade: its Origin must be allowed (ALLOWED_ORIGINS, or
 * by default the origin the page was served from, so another site's page cannot open a stream
 * with a visitor's ticket), and it needs a key (Authorization header, for programs) or a
 * single-use ticket (?ticket=, for browsers). Refusals are plain HTTP answers with a JSON body.
 */
@Injectable()
export class WebSocketAuthenticator {
  private readonly allowedOrigins?: Set<string>;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly keys: KeyAuthenticator,
    private readonly throttle: FailedAuthThrottle,
  ) {
    if (config.auth.allowedOrigins) this.allowedOrigins = new Set(config.auth.allowedOrigins);
  }

  /** The verifyClient hook of the /ws server. */
  readonly verify = (info: HandshakeInfo, answer: HandshakeAnswer): void => {
    this.admit(info).then(
      (refusal) => (refusal ? refuse(answer, refusal.status, refusal.message) : answer(true)),
      () => refuse(answer, 503, 'could not check the key now; try again'),
    );
  };

  private async admit(
    info: HandshakeInfo,
  ): Promise<{ status: number; message: string } | undefined> {
    if (info.origin !== undefined && !this.originAllowed(info.origin, info.req)) {
      return { status: 403, message: `origin ${info.origin} may not open /ws (ALLOWED_ORIGINS)` };
    }
    const address = clientAddress(info.req);
    const retryAfter = this.throttle.retryAfterS(address);
    if (retryAfter !== undefined) {
      return { status: 429, message: `too many failed attempts; retry in ${retryAfter} s` };
    }
    const key = bearerToken(info.req);
    const ticket = new URL(info.req.url ?? '/', 'http://notifier').searchParams.get('ticket');
    const principal =
      key !== undefined
        ? await this.keys.authenticate(key)
        : ticket !== null
          ? await this.keys.redeemTicket(ticket)
          : undefined;
    if (!principal) {
      await this.throttle.recordFailure(address);
      return {
        status: 401,
        message:
          key === undefined && ticket === null
            ? '/ws needs a key (Authorization: Bearer <key>) or a ticket (?ticket=)'
            : 'the key or ticket is not valid (unknown, used, revoked or expired)',
      };
    }
    if (!principal.permissions.can('executions:read')) {
      return { status: 403, message: lacks(principal, 'executions:read') };
    }
    info.req.principal = principal;
    return undefined;
  }

  private originAllowed(origin: string, request: IncomingMessage): boolean {
    if (this.allowedOrigins) return this.allowedOrigins.has(origin);
    try {
      return new URL(origin).host === request.headers.host;
    } catch {
      return false;
    }
  }
}

function refuse(answer: HandshakeAnswer, status: number, message: string): void {
  const error = { 401: 'Unauthorized', 403: 'Forbidden', 429: 'Too Many Requests' }[status];
  const body = JSON.stringify({
    statusCode: status,
    error: error ?? 'Service Unavailable',
    message,
  });
  answer(false, status, body, {
    'Content-Type': 'application/json',
    ...(status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {}),
  });
}
