import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { Public } from '../auth/access.decorators';
import { MessagingHealthIndicator } from '../messaging/messaging.health';
import { DatabaseHealthIndicator } from './database.health';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: DatabaseHealthIndicator,
    private readonly messaging: MessagingHealthIndicator,
  ) {}

  /** The process is alive; no dependency is checked (a broker outage must not restart it). */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /** Ready for work: database, broker, declared topology and every consumer this process runs. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.database.check(),
      () => this.messaging.brokerCheck(),
      () => this.messaging.topology(),
      () => this.messaging.consumersCheck(),
    ]);
  }
}
