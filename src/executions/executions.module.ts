import { Module } from '@nestjs/common';
import { ActionCatalog } from './action-catalog';
import { ExecutionLifecycle } from './execution-lifecycle.service';
import { ExecutionStore } from './execution.store';

/** Execution storage and life cycle, shared by the roles that create or move executions. */
@Module({
  providers: [ActionCatalog, ExecutionStore, ExecutionLifecycle],
  exports: [ActionCatalog, ExecutionStore, ExecutionLifecycle],
})
export class ExecutionsModule {}
