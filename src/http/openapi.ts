import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type {
  OperationObject,
  ResponsesObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { BEARER_SCHEME } from '../auth/access.decorators';
import type { RoleName } from '../config/roles';

export const OPENAPI_PATH = 'api/docs';

/** The roles whose routes a client reads from the document (the others serve health only). */
const DOCUMENTED_ROLES: readonly RoleName[] = ['api', 'notifier'];

const TAGS: Array<{ name: string; description: string }> = [
  { name: 'triggers', description: 'Kinds of events, with an optional payload schema' },
  { name: 'actions', description: 'What can run: a runner and its parameters schema' },
  { name: 'rules', description: 'When an event of a trigger matches criteria, run an action' },
  { name: 'sensors', description: 'Timers and HTTP polls that emit events' },
  { name: 'webhooks', description: 'Events sent by other systems' },
  { name: 'events', description: 'Events received' },
  { name: 'enforcements', description: 'Rules that matched events' },
  { name: 'executions', description: 'Runs of actions: request, follow, cancel, rerun' },
  { name: 'inquiries', description: 'Questions a run asks a person (core.ask)' },
  { name: 'workers', description: 'The processes that run actions' },
  { name: 'dead letters', description: 'Messages that could not be handled: peek and replay' },
  { name: 'keys', description: 'API keys' },
  { name: 'roles', description: 'Sets of permissions that keys hold' },
  { name: 'secrets', description: 'Sealed values that steps reference as {{ secret.<name> }}' },
  { name: 'audit', description: 'Who changed what' },
  { name: 'me', description: 'The calling key' },
  { name: 'streams', description: 'Tickets that open a live stream from a browser' },
  { name: 'notifier', description: 'Live notifications (the notifier role)' },
  { name: 'health', description: 'Liveness and readiness (every role, no key)' },
];

const ERROR_BODY = { $ref: '#/components/schemas/ApiErrorBody' };

/** Answers every route with a body can give before its handler runs (body parser, JsonBodyGuard). */
const BODY_ERRORS: ResponsesObject = {
  '413': {
    description: 'The body is over HTTP_BODY_LIMIT',
    content: { 'application/json': { schema: ERROR_BODY } },
  },
  '415': {
    description: 'The body is not JSON (content-type: application/json)',
    content: { 'application/json': { schema: ERROR_BODY } },
  },
};

/** Whether a process running `roles` serves an OpenAPI document. */
export function servesOpenApi(roles: readonly RoleName[]): boolean {
  return roles.some((role) => DOCUMENTED_ROLES.includes(role));
}

/**
 * The document of what this app serves: only the modules of its roles are in it, so an api-only
 * process does not list the notifier's stream. Also used without a server (`attune openapi`).
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Attune')
    .setDescription(
      'Event-driven automation: triggers, actions, rules, sensors, webhooks, executions, ' +
        'inquiries and dead-letter administration. Every route needs an API key ' +
        '(Authorization: Bearer atn_…) unless it says otherwise. Errors answer ' +
        '`{ statusCode, error, message, details? }`. Send x-correlation-id (a UUID) to follow a ' +
        'request through the messages and executions it causes.',
    )
    .setVersion('1')
    .setLicense('Apache-2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
    .addServer('/', 'The Attune instance serving this document')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        description: 'An API key (atn_…): POST /api/v1/keys, or ATTUNE_ADMIN_KEY',
      },
      BEARER_SCHEME,
    )
    .build();
  const document = SwaggerModule.createDocument(app, config);
  const used = new Set<string>();
  for (const operation of operationsOf(document)) {
    if (operation.requestBody) Object.assign(operation.responses, BODY_ERRORS);
    for (const tag of operation.tags ?? []) used.add(tag);
  }
  document.tags = TAGS.filter((tag) => used.has(tag.name));
  return document;
}

/** Serves the document: UI at /api/docs, JSON at /api/docs-json. Built on first request. */
export function setupOpenApi(app: INestApplication): void {
  SwaggerModule.setup(OPENAPI_PATH, app, () => buildOpenApiDocument(app));
}

export function operationsOf(document: OpenAPIObject): OperationObject[] {
  return Object.values(document.paths).flatMap((item) =>
    (['get', 'put', 'post', 'delete', 'patch'] as const)
      .map((method) => item[method])
      .filter((operation): operation is OperationObject => operation !== undefined),
  );
}
