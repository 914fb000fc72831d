import { INestApplication } from '@nestjs/common';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { AppConfig } from './config/app-config';
import { DatabaseService } from './database/database.service';
import { ApiExceptionFilter } from './http/api-exception.filter';
import { AttuneExpressAdapter } from './http/express-adapter';
import { AttuneWsAdapter } from './http/ws-adapter';
import { WebSocketAuthenticator } from './roles/notifier/websocket-authenticator';
import { connectMessageConsumers } from './messaging/messaging.module';
import { servesOpenApi, setupOpenApi } from './http/openapi';
import { serveWebConsole, WEB_CONSOLE_DIR } from './http/web-console';

/** Builds and starts the app for `config` (main.ts and the tests both boot through here). */
export async function startApp(config: AppConfig): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoles(config),
    new AttuneExpressAdapter(),
    // rawBody: webhook signatures are checked over the bytes received.
    { bufferLogs: true, bodyParser: false, rawBody: true },
  );
  app.useLogger(app.get(Logger));
  // No ETag hashing of every JSON body (API clients do not revalidate), no framework banner.
  app.set('etag', false);
  app.disable('x-powered-by');
  app.useBodyParser('json', { limit: config.http.bodyLimit });
  app.useGlobalFilters(new ApiExceptionFilter(app.get(DatabaseService), app.get(HttpAdapterHost)));
  connectMessageConsumers(app);
  if (servesOpenApi(config.roles)) setupOpenApi(app);
  // The api role serves the web console at / (built by `npm run build` into dist/web).
  if (config.roles.includes('api') && !serveWebConsole(app)) {
    app
      .get(Logger)
      .warn(`no web console at ${WEB_CONSOLE_DIR} (npm run build builds it); serving the API only`);
  }
  // The notifier's gateway serves /ws on the HTTP port through `ws` (no socket.io), and checks
  // keys and Origin before the upgrade.
  if (config.roles.includes('notifier')) {
    app.useWebSocketAdapter(new AttuneWsAdapter(app, app.get(WebSocketAuthenticator).verify));
  }
  // Module init (connecting to the broker and database in the background) before consumers.
  await app.init();
  await app.startAllMicroservices();
  await app.listen(config.http.port, config.http.host);
  return app;
}
