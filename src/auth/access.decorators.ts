import {
  applyDecorators,
  createParamDecorator,
  ExecutionContext,
  SetMetadata,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiSecurity,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Permission } from '../domain/permissions';
import { ApiErrorBody } from '../common/errors';
import type { Principal } from './principal';

/** Where a route's ref is, for a permission scoped to refs. */
export type RefSource = { param: string } | { body: string };

/** What a route asks of the caller. Routes without one need an admin key (fail closed). */
export interface AccessRule {
  /** No key needed; a key that is sent is still checked (webhooks use it). */
  public?: boolean;
  /** The route reads Authorization itself (METRICS_TOKEN): the guard leaves it alone. */
  ownCredentials?: boolean;
  /** Any valid key. */
  anyKey?: boolean;
  permission?: Permission;
  ref?: RefSource;
  /** A single-use stream ticket (`?ticket=`) may stand in for the key. */
  ticket?: boolean;
}

export const ACCESS_RULE = 'attune:access';
export const BEARER_SCHEME = 'bearer';

const authResponses = () => [
  ApiBearerAuth(BEARER_SCHEME),
  ApiUnauthorizedResponse({ type: ApiErrorBody, description: 'No key, or not a valid one' }),
  ApiTooManyRequestsResponse({
    type: ApiErrorBody,
    description: 'Too many failed attempts from this address; see Retry-After',
  }),
];

/** Open without a key (health, metrics, webhooks that prove themselves by signature). */
export const Public = (options: Pick<AccessRule, 'ownCredentials'> = {}) =>
  applyDecorators(
    SetMetadata(ACCESS_RULE, { ...options, public: true } satisfies AccessRule),
    ApiSecurity({}),
  );

/** Any valid key, whatever its role. */
export const AnyKey = () =>
  applyDecorators(
    SetMetadata(ACCESS_RULE, { anyKey: true } satisfies AccessRule),
    ...authResponses(),
  );

/** Needs `permission`; on the ref at `ref` when the permission is scoped to refs. */
export const Requires = (permission: Permission, options: Omit<AccessRule, 'permission'> = {}) =>
  applyDecorators(
    SetMetadata(ACCESS_RULE, { ...options, permission } satisfies AccessRule),
    ...authResponses(),
    ApiForbiddenResponse({ type: ApiErrorBody, description: `The key lacks ${permission}` }),
  );

/** The caller of a route the guard let through (undefined on a public route without a key). */
export const Caller = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal | undefined =>
    context.switchToHttp().getRequest<{ principal?: Principal }>().principal,
);
