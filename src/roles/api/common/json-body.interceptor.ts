import {
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { Observable } from 'rxjs';

/**
 * Only JSON bodies are parsed; any other body would reach the handlers as "no body" (a webhook
 * would then publish an empty payload). Refuse it instead, saying what is expected.
 */
@Injectable()
export class JsonBodyInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<IncomingMessage & { body?: unknown }>();
    if (request.body === undefined && hasBody(request)) {
      throw new UnsupportedMediaTypeException(
        `the request body must be JSON (content-type: application/json), not ${request.headers['content-type'] ?? 'untyped'}`,
      );
    }
    return next.handle();
  }
}

function hasBody(request: IncomingMessage): boolean {
  const length = Number(request.headers['content-length']);
  return request.headers['transfer-encoding'] !== undefined || length > 0;
}
