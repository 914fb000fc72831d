import { Module } from '@nestjs/common';
import { ActionCatalog } from './action-catalog';
import { ExecutionLifecycle } from './execution-lifecycle.service';
import { NotificationSender } from './notification-sender';

/** Execution storage and life cycle, shared by the roles that create or move executions. */
@Module({
  providers: [ActionCatalog, ExecutionLifecycle, NotificationSender],
  exports: [ActionCatalog, ExecutionLifecycle, NotificationSender],
})
export class ExecutionsModule {}
