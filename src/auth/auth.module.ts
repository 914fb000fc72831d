import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessRoleStore } from './access-role.store';
import { ApiKeyStore } from './api-key.store';
import { AuthGuard } from './auth.guard';
import { FailedAuthThrottle } from './failed-auth-throttle';
import { KeyAuthenticator } from './key-authenticator.service';
import { StreamTicketStore } from './stream-ticket.store';

/**
 * Keys, roles and stream tickets, and the guard every HTTP route of every process passes
 * (whatever its roles: a route is closed unless it says otherwise).
 */
@Global()
@Module({
  providers: [
    ApiKeyStore,
    AccessRoleStore,
    StreamTicketStore,
    KeyAuthenticator,
    FailedAuthThrottle,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [ApiKeyStore, AccessRoleStore, StreamTicketStore, KeyAuthenticator, FailedAuthThrottle],
})
export class AuthModule {}
