import { Module } from '@nestjs/common';
import { ExecutionsModule } from '../../executions/executions.module';
import { DeadLetterHandler } from './dead-letter-handler.consumer';
import { DeadWorkerReaper } from './dead-worker-reaper';
import { EnforcementProcessor } from './enforcement-processor.consumer';
import { ExecutionManager } from './execution-manager.consumer';
import { ExecutionScheduler } from './execution-scheduler.consumer';
import { InquiryTimeouts } from './inquiry-timeouts';
import { RequestedSweeper } from './requested-sweeper';
import { RuleCache } from './rule-cache';
import { WorkerDispatch } from './worker-dispatch';
import { WorkerPool } from './worker-pool';

/**
 * The executor role: enforcement processor (events → executions), scheduler (executions →
 * workers), execution manager (worker reports → state) and dead-letter handler (what worker
 * queues give back), each on its own queue.
 */
@Module({
  imports: [ExecutionsModule],
  controllers: [EnforcementProcessor, ExecutionScheduler, ExecutionManager, DeadLetterHandler],
  providers: [
    RuleCache,
    WorkerPool,
    WorkerDispatch,
    RequestedSweeper,
    DeadWorkerReaper,
    InquiryTimeouts,
  ],
})
export class ExecutorModule {}
