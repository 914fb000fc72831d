import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  HttpException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ACCESS_RULE, AccessRule, RefSource } from './access.decorators';
import { FailedAuthThrottle } from './failed-auth-throttle';
import { KeyAuthenticator } from './key-authenticator.service';
import { lacks, Principal } from './principal';

/** What a route that declares nothing needs: only admins manage keys, so only admins pass. */
const UNDECLARED_ROUTE_PERMISSION = 'keys:write';

export interface AuthenticatedRequest extends IncomingMessage {
  principal?: Principal;
  params?: Record<string, string>;
  query?: Record<string, unknown>;
  body?: unknown;
}

/** The address failed attempts are counted against (the peer; proxies are not trusted). */
export function clientAddress(request: IncomingMessage): string {
  return request.socket.remoteAddress ?? 'unknown';
}

/** `Authorization: Bearer <key>`: the key, undefined when absent, '' when malformed. */
export function bearerToken(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : '';
}

export function unauthorized(response: ServerResponse, message: string): UnauthorizedException {
  response.setHeader('WWW-Authenticate', 'Bearer');
  return new UnauthorizedException(message);
}

export function tooManyFailures(response: ServerResponse, retryAfterS: number): HttpException {
  response.setHeader('Retry-After', String(retryAfterS));
  return new HttpException(
    {
      statusCode: 429,
      error: 'Too Many Requests',
      message: `too many failed authentication attempts from this address; retry in ${retryAfterS} s`,
    },
    429,
  );
}

/**
 * Applied to every HTTP route of every process: a route needs a key unless it says @Public(),
 * and a route that names no permission needs an admin key, so a new route is closed until
 * someone opens it on purpose. Permissions scoped to refs are checked here when the route's ref
 * is in its path or body; services check refs they only learn by reading a row.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: KeyAuthenticator,
    private readonly throttle: FailedAuthThrottle,
  ) {}

  /** Synchronous when the key is one seen in the last second (the hot path: no promise). */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    // Message handlers run in the same app; they are not HTTP requests.
    if (context.getType() !== 'http') return true;
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (rule?.ownCredentials) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    const response = http.getResponse<ServerResponse>();
    const key = bearerToken(request);
    if (rule?.public && key === undefined) return true;

    const retryAfter = this.throttle.retryAfterS(clientAddress(request));
    if (retryAfter !== undefined) throw tooManyFailures(response, retryAfter);
    const known = key === undefined ? undefined : this.keys.authenticateFromMemory(key);
    if (known) return this.authorize(request, rule, known);
    return this.authenticate(request, response, rule, key).then((principal) =>
      this.authorize(request, rule, principal),
    );
  }

  private async authenticate(
    request: AuthenticatedRequest,
    response: ServerResponse,
    rule: AccessRule | undefined,
    key: string | undefined,
  ): Promise<Principal> {
    const ticket = rule?.ticket ? request.query?.ticket : undefined;
    const principal =
      key !== undefined
        ? await this.keys.authenticate(key)
        : typeof ticket === 'string'
          ? await this.keys.redeemTicket(ticket)
          : undefined;
    if (!principal) {
      await this.throttle.recordFailure(clientAddress(request));
      throw unauthorized(response, refusal(key, ticket, rule));
    }
    return principal;
  }

  private authorize(
    request: AuthenticatedRequest,
    rule: AccessRule | undefined,
    principal: Principal,
  ): boolean {
    request.principal = principal;
    if (rule?.public || rule?.anyKey) return true;
    const permission = rule?.permission ?? UNDECLARED_ROUTE_PERMISSION;
    const ref = rule?.ref ? refOf(request, rule.ref) : undefined;
    if (!principal.permissions.can(permission, ref)) {
      throw new ForbiddenException(lacks(principal, permission, ref));
    }
    return true;
  }
}

function refusal(key: string | undefined, ticket: unknown, rule: AccessRule | undefined): string {
  if (key === '') return 'the Authorization header must be "Bearer <key>"';
  if (key !== undefined) return 'the key is not valid (unknown, revoked or expired)';
  if (ticket !== undefined) return 'the stream ticket is not valid (unknown, used or expired)';
  return rule?.ticket
    ? 'this stream needs a key (Authorization: Bearer <key>) or a ticket (?ticket=)'
    : 'this route needs a key: Authorization: Bearer <key>';
}

/** The ref a route names (a path parameter or a body field); undefined when not a string. */
function refOf(request: AuthenticatedRequest, source: RefSource): string | undefined {
  const value =
    'param' in source
      ? request.params?.[source.param]
      : (request.body as Record<string, unknown> | undefined)?.[source.body];
  return typeof value === 'string' ? value : undefined;
}
