import { Module } from '@nestjs/common';
import { ExecutionsModule } from '../../executions/executions.module';
import { RetentionModule } from '../../retention/retention.module';
import { HistoryRetention } from './history-retention';
import { DeadLetterHandler } from './dead-letter-handler.consumer';
import { DeadWorkerReaper } from './dead-worker-reaper';
import { EnforcementProcessor } from './enforcement-processor.consumer';
import { ExecutionManager } from './execution-manager.consumer';
import { ExecutionScheduler } from './execution-scheduler.consumer';
import { InquiryTimeouts } from './inquiry-timeouts';
import { LostOfferSweeper } from './lost-offer-sweeper';
import { RuleCache } from './rule-cache';
import { SlotDispatcher } from './slot-dispatcher';
import { SlotSignals } from './slot-signals';
import { WorkerDispatch } from './worker-dispatch';
import { WorkerPool } from './worker-pool';
import { WorkflowConductor } from './workflow-conductor';
import { WorkflowConductorConsumer } from './workflow-conductor.consumer';
import { WorkflowSweeper } from './workflow-sweeper';

/**
 * The executor role: enforcement processor (events → executions), scheduler (executions →
 * workers), execution manager (worker reports → state) and dead-letter handler (what worker
 * queues give back), each on its own queue; and the slot dispatcher, which starts the
 * executions waiting in PostgreSQL as worker slots free (decision 014); and retention of history
 * (decision 019).
 */
@Module({
  imports: [ExecutionsModule, RetentionModule],
  controllers: [
    EnforcementProcessor,
    ExecutionScheduler,
    ExecutionManager,
    WorkflowConductorConsumer,
    DeadLetterHandler,
  ],
  providers: [
    RuleCache,
    WorkerPool,
    WorkerDispatch,
    SlotDispatcher,
    SlotSignals,
    LostOfferSweeper,
    DeadWorkerReaper,
    InquiryTimeouts,
    HistoryRetention,
    WorkflowConductor,
    WorkflowSweeper,
  ],
})
export class ExecutorModule {}
