import { Global, Module } from '@nestjs/common';
import { AccessRoleStore } from './access-role.store';
import { ActionStore } from './action.store';
import { ApiKeyStore } from './api-key.store';
import { AuditStore } from './audit.store';
import { EnforcementStore } from './enforcement.store';
import { EventStore } from './event.store';
import { ExecutionStore } from './execution.store';
import { InquiryStore } from './inquiry.store';
import { RuleStore } from './rule.store';
import { SecretStore } from './secret.store';
import { SensorStore } from './sensor.store';
import { StreamTicketStore } from './stream-ticket.store';
import { TriggerStore } from './trigger.store';
import { WorkerStore } from './worker.store';

/** One store per table: every statement on a table lives in its store (docs/architecture.md). */
const STORES = [
  TriggerStore,
  ActionStore,
  RuleStore,
  SensorStore,
  EventStore,
  EnforcementStore,
  ExecutionStore,
  WorkerStore,
  InquiryStore,
  ApiKeyStore,
  AccessRoleStore,
  AuditStore,
  SecretStore,
  StreamTicketStore,
];

@Global()
@Module({ providers: STORES, exports: STORES })
export class StoresModule {}
