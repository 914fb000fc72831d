import { Module } from '@nestjs/common';
import { ExecutionsModule } from '../../executions/executions.module';
import { EnforcementProcessor } from './enforcement-processor';
import { ExecutionManager } from './execution-manager';
import { ExecutionScheduler } from './execution-scheduler';
import { RequestedSweeper } from './requested-sweeper';
import { RuleCache } from './rule-cache';

/**
 * The executor role: enforcement processor (events → executions), scheduler (executions →
 * workers) and execution manager (worker reports → state), each on its own queue.
 */
@Module({
  imports: [ExecutionsModule],
  controllers: [EnforcementProcessor, ExecutionScheduler, ExecutionManager],
  providers: [RuleCache, RequestedSweeper],
})
export class ExecutorModule {}
