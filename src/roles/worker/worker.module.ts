import { Module } from '@nestjs/common';
import { ExecutionsModule } from '../../executions/executions.module';
import { ExecutionSupervisor } from './execution-supervisor';
import { WorkerExecutionsController } from './worker-executions.consumer';
import { WorkerRegistration } from './worker-registration';

/** The worker role: registers, heartbeats, consumes its own queue and runs actions. */
@Module({
  imports: [ExecutionsModule],
  controllers: [WorkerExecutionsController],
  providers: [ExecutionSupervisor, WorkerRegistration],
})
export class WorkerModule {}
