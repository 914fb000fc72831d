import {
  CanActivate,
  ExecutionContext,
  Injectable,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import type { IncomingMessage } from 'node:http';

/**
 * Only JSON bodies are parsed; any other body would reach the handlers as "no body" (a webhook
 * would then publish an empty payload). Refuse it instead, saying what is expected.
 */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<IncomingMessage & { body?: unknown }>();
    if (request.body === undefined && hasBody(request)) {
      throw new UnsupportedMediaTypeException(
        `the request body must be JSON (content-type: application/json), not ${request.headers['content-type'] ?? 'untyped'}`,
      );
    }
    return true;
  }
}

function hasBody(request: IncomingMessage): boolean {
  const length = Number(request.headers['content-length']);
  return request.headers['transfer-encoding'] !== undefined || length > 0;
}
