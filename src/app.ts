import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { AppConfig } from './config/app-config';
import { connectMessageConsumers } from './messaging/messaging.module';

/** Builds and starts the app for `config` (main.ts and the tests both boot through here). */
export async function startApp(config: AppConfig): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoles(config), {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  app.useBodyParser('json', { limit: config.http.bodyLimit });
  connectMessageConsumers(app);
  // Module init (connecting to the broker and database in the background) before consumers.
  await app.init();
  await app.startAllMicroservices();
  await app.listen(config.http.port, '0.0.0.0');
  return app;
}
