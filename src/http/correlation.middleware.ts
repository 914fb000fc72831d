import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable, NestMiddleware } from '@nestjs/common';
import { correlationIdFrom, runWithCorrelation } from '../logging/correlation';
import { CORRELATION_HEADER } from '../logging/logging.module';

/**
 * Runs each API request in a correlation scope whose id is the request's x-correlation-id, so
 * what the request creates and publishes carries it. Correlation ids are stored as uuids: a
 * caller's id in another format is replaced by a fresh one, which the response header shows.
 * A middleware rather than an interceptor: it costs no observable per request on the hot path.
 */
@Injectable()
export class CorrelationMiddleware implements NestMiddleware {
  use(
    request: IncomingMessage & { id?: unknown },
    response: ServerResponse,
    next: () => void,
  ): void {
    // The request logger (where it runs) has already picked one: keep them the same.
    const given = request.id ?? request.headers[CORRELATION_HEADER];
    const correlationId = correlationIdFrom(given);
    request.id = correlationId;
    response.setHeader(CORRELATION_HEADER, correlationId);
    runWithCorrelation({ correlationId }, next);
  }
}
