import type { ServerResponse } from 'node:http';
import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  HttpException,
  Injectable,
  UseGuards,
} from '@nestjs/common';
import { ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { ApiErrorBody } from '../../../common/errors';
import { BACKLOG_RETRY_AFTER_S, BacklogMonitor } from './backlog-monitor';

/** Turns new work away with 429 and Retry-After while the backlog is over MAX_BACKLOG. */
@Injectable()
export class BacklogGuard implements CanActivate {
  constructor(private readonly monitor: BacklogMonitor) {}

  canActivate(context: ExecutionContext): boolean {
    const admission = this.monitor.admit();
    if (admission.admitted) return true;
    const response = context.switchToHttp().getResponse<ServerResponse>();
    response.setHeader('Retry-After', String(BACKLOG_RETRY_AFTER_S));
    throw new HttpException(
      {
        statusCode: 429,
        error: 'Too Many Requests',
        message:
          `${admission.backlog} events and executions are waiting to start, over MAX_BACKLOG ` +
          `(${admission.limit}); retry in ${BACKLOG_RETRY_AFTER_S} s`,
      },
      429,
    );
  }
}

/** A route that accepts new work (a webhook, a manual run): subject to backpressure. */
export const AdmitsWork = () =>
  applyDecorators(
    UseGuards(BacklogGuard),
    ApiTooManyRequestsResponse({
      type: ApiErrorBody,
      description:
        'More work waiting to start than MAX_BACKLOG, or too many failed attempts from this address; see Retry-After',
    }),
  );
