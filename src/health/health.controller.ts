import {
  ArgumentsHost,
  Catch,
  Controller,
  ExceptionFilter,
  Get,
  ServiceUnavailableException,
  UseFilters,
} from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { Public } from '../auth/access.decorators';
import { MessagingHealthIndicator } from '../messaging/messaging.health';
import { DatabaseHealthIndicator } from './database.health';

/**
 * A failed check answers 503 with terminus's own body (`status`, `info`, `error`, `details`),
 * which probes and the document expect, not the API's error shape.
 */
@Catch(ServiceUnavailableException)
class HealthReportFilter implements ExceptionFilter {
  catch(exception: ServiceUnavailableException, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<ServerResponse>();
    response.statusCode = exception.getStatus();
    response.setHeader('content-type', 'application/json; charset=utf-8');
    response.end(JSON.stringify(exception.getResponse()));
  }
}

@ApiTags('health')
@UseFilters(HealthReportFilter)
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
