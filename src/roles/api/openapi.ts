import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { BEARER_SCHEME } from '../../auth/access.decorators';

export const OPENAPI_PATH = 'api/docs';

/** Serves the OpenAPI document: UI at /api/docs, JSON at /api/docs-json. Built on first request. */
export function setupOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Attune')
    .setDescription(
      'Event-driven automation: triggers, actions, rules, sensors, webhooks, executions, ' +
        'inquiries and dead-letter administration. Send x-correlation-id (a UUID) to follow a ' +
        'request through the messages and executions it causes.',
    )
    .setVersion('1')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        description: 'An API key (atn_…): POST /api/v1/keys, or ATTUNE_ADMIN_KEY',
      },
      BEARER_SCHEME,
    )
    .build();
  SwaggerModule.setup(OPENAPI_PATH, app, () => SwaggerModule.createDocument(app, config));
}
