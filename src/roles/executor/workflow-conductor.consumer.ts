import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { DatabaseService } from '../../database/database.service';
import type { PayloadOf } from '../../domain/messages';
import { CONSUMERS, OnMessage } from '../../messaging/consumer-components';
import { WorkflowConductor } from './workflow-conductor';

/** The conductor's queue: a workflow to start, or one whose task run finished or paused. */
@Controller()
export class WorkflowConductorConsumer {
  constructor(
    private readonly db: DatabaseService,
    private readonly conductor: WorkflowConductor,
  ) {}

  @OnMessage(CONSUMERS.workflowConductor, 'WorkflowAdvanceRequested')
  async onAdvance(@Payload() cue: PayloadOf<'WorkflowAdvanceRequested'>): Promise<void> {
    await this.db.whenReady();
    await this.conductor.advance(cue.workflow_execution_id);
  }
}
