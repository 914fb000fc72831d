import type { IncomingMessage, ServerResponse } from 'node:http';
import { Controller, Get, Header, Inject, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { sameSecret } from '../auth/api-key';
import { Public } from '../auth/access.decorators';
import { bearerToken, unauthorized } from '../auth/auth.guard';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { MetricsService } from './metrics.service';

/** Open to scrapers, unless METRICS_TOKEN is set: then that bearer token (not an API key). */
@ApiExcludeController()
@Public({ ownCredentials: true })
@Controller('metrics')
export class MetricsController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(
    @Req() request: IncomingMessage,
    @Res({ passthrough: true }) response: ServerResponse,
  ): Promise<string> {
    const token = this.config.auth.metricsToken;
    if (token !== undefined) {
      const given = bearerToken(request);
      if (given === undefined || !sameSecret(given, token)) {
        throw unauthorized(response, '/metrics needs METRICS_TOKEN: Authorization: Bearer <token>');
      }
    }
    return this.metrics.registry.metrics();
  }
}
