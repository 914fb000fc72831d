import { NestFactory } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import { AppModule } from '../app.module';
import { loadConfig } from '../config/app-config';
import { buildOpenApiDocument } from '../http/openapi';

/**
 * The OpenAPI document of an all-in-one process, built without a server: Nest's preview mode
 * reads the routes and DTOs without creating providers, so nothing connects to anything.
 * `npm run openapi` writes it to docs/openapi.json and generates the typed client from it.
 */
export async function openApiDocumentOfEveryRole(): Promise<OpenAPIObject> {
  const config = loadConfig({
    ROLES: 'all',
    LOG_LEVEL: 'error',
    // Never reached in preview mode; given so configuration validates as in a real process.
    DATABASE_URL: 'postgres://attune@127.0.0.1:5432/attune',
    AMQP_URL: 'amqp://127.0.0.1:5672',
  });
  const app = await NestFactory.create(AppModule.forRoles(config), {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  try {
    return buildOpenApiDocument(app);
  } finally {
    await app.close();
  }
}
