import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
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
  @ApiOperation({
    summary: 'Liveness',
    description: 'The process is up.',
  })
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([() => this.messaging.consumersLiveness()]);
  }

  /** Ready for work: database, broker, declared topology and every consumer this process runs. */
  @ApiOperation({
    summary: 'Readiness',
    description:
      'The database, the broker and every queue and consumer this process needs are there.',
  })
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
