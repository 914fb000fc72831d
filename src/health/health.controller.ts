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

  /**
   * The process is alive. No dependency is checked (a broker outage must not restart it); only
   * a consumer that cannot start while the broker is up, for CONSUMER_START_TIMEOUT_MS, fails it.
   */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([() => this.messaging.consumersLiveness()]);
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
