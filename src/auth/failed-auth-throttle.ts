import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorageService } from '@nestjs/throttler';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

const WINDOW_MS = 60_000;
const THROTTLER_NAME = 'failed-auth';

/**
 * Counts failed authentications per client address (bad keys, bad tickets, bad webhook
 * signatures). Past AUTH_FAILURE_LIMIT in a minute the address is blocked for a minute: its
 * requests get 429 with Retry-After before any key is checked, so guessing gets nowhere fast.
 * Per process: each replica counts what it sees. Storage is @nestjs/throttler's (decision 009).
 */
@Injectable()
export class FailedAuthThrottle implements OnApplicationShutdown {
  private readonly storage = new ThrottlerStorageService();
  private readonly limit: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.limit = config.auth.failureLimit;
  }

  /** Seconds until `address` may try again, or undefined when it is not blocked. */
  retryAfterS(address: string): number | undefined {
    const record = this.storage.storage.get(address);
    const left = record?.isBlocked ? record.blockExpiresAt - Date.now() : 0;
    return left > 0 ? Math.ceil(left / 1000) : undefined;
  }

  async recordFailure(address: string): Promise<void> {
    // The storage blocks once hits exceed its limit: the limit-th failure is the last one let by.
    await this.storage.increment(address, WINDOW_MS, this.limit - 1, WINDOW_MS, THROTTLER_NAME);
  }

  onApplicationShutdown(): void {
    this.storage.onApplicationShutdown();
  }
}
