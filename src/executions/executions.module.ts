import { Module } from '@nestjs/common';
import { ActionCatalog } from './action-catalog';
import { ExecutionLifecycle } from './execution-lifecycle.service';
import { NotificationSender } from './notification-sender';
import { WorkflowCancellation } from './workflow-cancellation';

/** Execution storage and life cycle, shared by the roles that create or move executions. */
@Module({
  providers: [ActionCatalog, ExecutionLifecycle, NotificationSender, WorkflowCancellation],
  exports: [ActionCatalog, ExecutionLifecycle, NotificationSender, WorkflowCancellation],
})
export class ExecutionsModule {}
