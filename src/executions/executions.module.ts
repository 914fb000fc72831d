import { Module } from '@nestjs/common';
import { ActionCatalog } from './action-catalog';
import { ExecutionLifecycle } from './execution-lifecycle.service';
import { ExecutionStore } from './execution.store';
import { NotificationSender } from './notification-sender';

/** Execution storage and life cycle, shared by the roles that create or move executions. */
@Module({
  providers: [ActionCatalog, ExecutionStore, ExecutionLifecycle, NotificationSender],
  exports: [ActionCatalog, ExecutionStore, ExecutionLifecycle, NotificationSender],
})
export class ExecutionsModule {}
