import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import type { PayloadOf } from '../../domain/messages';
import { CONSUMERS, OnMessage } from '../../messaging/consumer-components';
import { ExecutionSupervisor } from './execution-supervisor';

/** The worker's own queue: executions to run and requests to cancel them. */
@Controller()
export class WorkerExecutionsController {
  constructor(private readonly supervisor: ExecutionSupervisor) {}

  @OnMessage(CONSUMERS.workerExecutions, 'ExecutionRequested')
  onExecutionRequested(@Payload() request: PayloadOf<'ExecutionRequested'>): Promise<void> {
    return this.supervisor.start(request);
  }

  @OnMessage(CONSUMERS.workerExecutions, 'ExecutionCancelRequested')
  onCancelRequested(@Payload() cancel: PayloadOf<'ExecutionCancelRequested'>): void {
    this.supervisor.cancel(cancel.execution_id);
  }
}
