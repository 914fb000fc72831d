import type { IncomingMessage, ServerResponse } from 'node:http';
import { DynamicModule, Module, RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../config/app-config';
import { correlationIdFrom, currentCorrelation } from './correlation';
import { maskRevealedSecrets, serializeRequest } from './redaction';

export const CORRELATION_HEADER = 'x-correlation-id';

/** Pino options shared by the Nest logger and anything logging before Nest is up. */
export function pinoOptions(config: AppConfig) {
  return {
    level: config.logLevel,
    base: { roles: config.roles.join(','), instance: config.instanceId, pid: process.pid },
    messageKey: 'msg',
    hooks: { logMethod: maskRevealedSecrets },
    // Every line logged while handling a message or request carries its correlation id.
    mixin: () => {
      const scope = currentCorrelation();
      return scope ? { correlation_id: scope.correlationId } : {};
    },
  };
}

@Module({})
export class LoggingModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          // The webhook path is the hot one: no per-request logger there (errors still log).
          exclude: [{ method: RequestMethod.POST, path: 'api/v1/webhooks/:triggerRef' }],
          pinoHttp: {
            ...pinoOptions(config),
            genReqId: (req: IncomingMessage, res: ServerResponse) => {
              const given = req.headers[CORRELATION_HEADER];
              const id = correlationIdFrom(given);
              res.setHeader(CORRELATION_HEADER, id);
              return id;
            },
            customProps: (req: IncomingMessage) => ({ correlation_id: req.id }),
            // Credentials never reach a log: not in headers, not in the query string.
            serializers: { req: serializeRequest },
            // Request lines are debug: at thousands of webhooks a second they would drown the rest.
            customLogLevel: (_req: IncomingMessage, res: ServerResponse, error?: Error) =>
              error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'debug',
            autoLogging: {
              ignore: (req: IncomingMessage) => req.url?.startsWith('/health') ?? false,
            },
          },
        }),
      ],
    };
  }
}
