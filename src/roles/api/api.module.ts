import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { FirstAdminKey, KeysService } from '../../auth/keys.service';
import { StreamTicketsModule } from '../../auth/stream-tickets.controller';
import { ExecutionsModule } from '../../executions/executions.module';
import { AccessRolesController } from './access-roles/access-roles.controller';
import { AccessRolesService } from './access-roles/access-roles.service';
import { AuditController } from './audit/audit.controller';
import { BacklogGuard } from './backlog/admits-work.guard';
import { BacklogMonitor } from './backlog/backlog-monitor';
import { KeysController } from './keys/keys.controller';
import { MeController } from './me/me.controller';
import { SecretsController } from './secrets/secrets.controller';
import { SecretsService } from './secrets/secrets.service';
import { WebhookAuthenticator } from './webhooks/webhook-authenticator';
import { ActionsController } from './actions/actions.controller';
import { CorrelationMiddleware } from '../../http/correlation.middleware';
import { ActionsService } from './actions/actions.service';
import { DlqController } from './dlq/dlq.controller';
import { DlqService } from './dlq/dlq.service';
import { EnforcementsController } from './enforcements/enforcements.controller';
import { EnforcementsService } from './enforcements/enforcements.service';
import { EventsController } from './events/events.controller';
import { EventsService } from './events/events.service';
import { ExecutionsController } from './executions/executions.controller';
import { ExecutionsService } from './executions/executions.service';
import { InquiriesController } from './inquiries/inquiries.controller';
import { InquiriesService } from './inquiries/inquiries.service';
import { RulesController } from './rules/rules.controller';
import { RulesService } from './rules/rules.service';
import { SensorsController } from './sensors/sensors.controller';
import { SensorsService } from './sensors/sensors.service';
import { TriggerCatalog } from './triggers/trigger-catalog';
import { TriggersController } from './triggers/triggers.controller';
import { TriggersService } from './triggers/triggers.service';
import { WebhooksController } from './webhooks/webhooks.controller';
import { WebhooksService } from './webhooks/webhooks.service';
import { WorkersController } from './workers/workers.controller';
import { WorkersService } from './workers/workers.service';

/** Routes match in this order: the hot ones (webhooks, manual runs) first. */
const CONTROLLERS = [
  WebhooksController,
  ExecutionsController,
  TriggersController,
  ActionsController,
  RulesController,
  SensorsController,
  EventsController,
  EnforcementsController,
  WorkersController,
  InquiriesController,
  DlqController,
  SecretsController,
  KeysController,
  AccessRolesController,
  AuditController,
  MeController,
];

/** The REST API under /api/v1 (OpenAPI at /api/docs, see openapi.ts). */
@Module({
  imports: [ExecutionsModule, StreamTicketsModule],
  controllers: CONTROLLERS,
  providers: [
    TriggerCatalog,
    TriggersService,
    ActionsService,
    RulesService,
    SensorsService,
    WebhooksService,
    ExecutionsService,
    EventsService,
    EnforcementsService,
    WorkersService,
    InquiriesService,
    DlqService,
    WebhookAuthenticator,
    SecretsService,
    KeysService,
    AccessRolesService,
    FirstAdminKey,
    BacklogMonitor,
    BacklogGuard,
  ],
})
export class ApiModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(CorrelationMiddleware).forRoutes(...CONTROLLERS);
  }
}
