import { randomUUID } from 'node:crypto';
import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Observable } from 'rxjs';
import { runWithCorrelation } from '../../../logging/correlation';
import { CORRELATION_HEADER } from '../../../logging/logging.module';
import { isUuid } from './uuid';

/**
 * Runs each API request in a correlation scope whose id is the request's (x-correlation-id), so
 * what the request creates and publishes carries it. Correlation ids are stored as uuids: a
 * caller's id in another format is replaced by a fresh one, which the response header then shows.
 */
@Injectable()
export class CorrelationInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<IncomingMessage & { id?: unknown }>();
    let correlationId = request.id;
    if (!isUuid(correlationId)) {
      correlationId = randomUUID();
      http.getResponse<ServerResponse>().setHeader(CORRELATION_HEADER, correlationId);
    }
    // Nest binds the handler to the async context in which handle() is called.
    return runWithCorrelation({ correlationId }, () => next.handle());
  }
}
