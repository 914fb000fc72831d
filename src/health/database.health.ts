import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { DatabaseService } from '../database/database.service';

const PING_TIMEOUT_MS = 2000;

@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    private readonly database: DatabaseService,
    private readonly health: HealthIndicatorService,
  ) {}

  async check() {
    const session = this.health.check('database');
    const reason = this.database.notReadyReason;
    if (reason) return session.down({ message: reason });
    try {
      await Promise.race([
        this.database.ping(),
        new Promise((_, reject) =>
          setTimeout(
            () => reject(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)),
            PING_TIMEOUT_MS,
          ).unref(),
        ),
      ]);
      return session.up();
    } catch (error) {
      return session.down({ message: `PostgreSQL: ${(error as Error).message}` });
    }
  }
}
