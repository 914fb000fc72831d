import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard } from './auth.guard';
import { FailedAuthThrottle } from './failed-auth-throttle';
import { KeyAuthenticator } from './key-authenticator.service';

/**
 * Keys, roles and stream tickets, and the guard every HTTP route of every process passes
 * (whatever its roles: a route is closed unless it says otherwise).
 */
@Global()
@Module({
  providers: [KeyAuthenticator, FailedAuthThrottle, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [KeyAuthenticator, FailedAuthThrottle],
})
export class AuthModule {}
