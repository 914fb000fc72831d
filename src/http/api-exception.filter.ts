import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { BaseWsExceptionFilter } from '@nestjs/websockets';
import { isDatabaseUnavailable } from '../database/database-errors';
import { DatabaseService } from '../database/database.service';
import {
  InvalidParametersError,
  UnknownActionError,
} from '../executions/execution-lifecycle.service';
import { SecretsDisabledError } from '../secrets/secret-cipher';
import {
  NotReplayableError,
  PublishError,
  UnknownDeadLetterQueueError,
} from '../messaging/messaging.port';

interface ErrorAnswer {
  status: number;
  message: string;
  /** Each problem found, when there are several to fix (a 400). */
  details?: string[];
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

/**
 * The one place HTTP errors become answers, in one shape `{ statusCode, error, message, details? }`:
 * 4xx with a message for anything the caller can fix, 503 when a dependency is away, and 500
 * (logged) only for our own bugs. Global (startApp), so body-parser errors, unknown routes and the
 * notifier's and health routes answer in the same shape; message handlers have their own config.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Api');
  private readonly wsFilter = new BaseWsExceptionFilter();

  constructor(
    private readonly db: DatabaseService,
    private readonly adapter: HttpAdapterHost,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    // A WebSocket connection's errors are the gateway's to answer (it closes the socket).
    if (host.getType() !== 'http') {
      this.wsFilter.catch(exception, host);
      return;
    }
    const http = this.adapter.httpAdapter;
    const response: unknown = host.switchToHttp().getResponse();
    const answer = this.answerFor(exception);
    if (answer.status >= 500 && answer.status !== 503) {
      this.logger.error(
        `unexpected error: ${(exception as Error)?.message}`,
        (exception as Error)?.stack,
      );
    }
    if (http.isHeadersSent(response)) return;
    const body = {
      statusCode: answer.status,
      error: STATUS_TEXT[answer.status] ?? httpText(exception, answer.status),
      message: answer.message,
      ...(answer.details ? { details: answer.details } : {}),
    };
    http.reply(response, body, answer.status);
  }

  private answerFor(exception: unknown): ErrorAnswer {
    if (exception instanceof HttpException) return fromHttpException(exception);
    if (exception instanceof UnknownActionError) return { status: 404, message: exception.message };
    if (exception instanceof InvalidParametersError) {
      return { status: 400, message: exception.message, details: exception.problems };
    }
    if (exception instanceof UnknownDeadLetterQueueError) {
      return { status: 404, message: exception.message };
    }
    if (exception instanceof NotReplayableError) return { status: 409, message: exception.message };
    // Broker away, publish not confirmed in time, or no queue bound for the message.
    if (exception instanceof PublishError) return { status: 503, message: exception.message };
    if (exception instanceof SecretsDisabledError) {
      return { status: 503, message: exception.message };
    }
    if (!this.db.isReady) {
      return { status: 503, message: this.db.notReadyReason ?? 'database not connected yet' };
    }
    const database = fromDatabaseError(exception);
    if (database) return database;
    return { status: 500, message: 'Internal server error' };
  }
}

function fromHttpException(exception: HttpException): ErrorAnswer {
  const status = exception.getStatus();
  // body-parser's own words name a token, not the problem.
  if (exception.cause instanceof SyntaxError) {
    return {
      status,
      message: `the request body is not valid JSON (an object or an array): ${exception.cause.message}`,
    };
  }
  const body = exception.getResponse();
  if (typeof body === 'string') return { status, message: body };
  const { message, problems } = body as { message?: unknown; problems?: unknown };
  const list = Array.isArray(problems)
    ? problems.map(String)
    : Array.isArray(message)
      ? message.map(String)
      : undefined;
  const text = typeof message === 'string' ? message : (list?.join('; ') ?? exception.message);
  return { status, message: text, ...(list ? { details: list } : {}) };
}

/**
 * PostgreSQL errors that bad input can still cause (a NUL character in text, a number out of
 * range) are the caller's; lost connections are a 503. SQLSTATE classes: 22 data exception,
 * 23505 unique violation, 08 connection exception, 57P operator intervention, 53 resources.
 */
function fromDatabaseError(exception: unknown): ErrorAnswer | undefined {
  const error = exception as { code?: unknown; message?: string; detail?: string };
  const code = typeof error?.code === 'string' ? error.code : undefined;
  if (!code) return undefined;
  if (code === '23505') {
    return { status: 409, message: `already exists: ${error.detail ?? error.message}` };
  }
  if (code.startsWith('22')) return { status: 400, message: `invalid value: ${error.message}` };
  if (isDatabaseUnavailable(error)) {
    return { status: 503, message: `database unavailable: ${error.message}` };
  }
  return undefined;
}

function httpText(exception: unknown, status: number): string {
  if (exception instanceof HttpException) {
    const body = exception.getResponse() as { error?: unknown };
    if (typeof body === 'object' && typeof body.error === 'string') return body.error;
  }
  return status >= 500 ? 'Internal Server Error' : 'Error';
}
