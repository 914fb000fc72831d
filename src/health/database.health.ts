import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { timeBound } from '../common/time-bound';
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
      await timeBound(this.database.ping(), PING_TIMEOUT_MS);
      return session.up();
    } catch (error) {
      return session.down({ message: `PostgreSQL: ${(error as Error).message}` });
    }
  }
}
