import { Injectable, Logger } from '@nestjs/common';
import { DatabaseService } from '../../database/database.service';
import { PeriodicTask } from '../../database/periodic-task';
import { ExecutionStore } from '../../stores/execution.store';
import { WorkflowConductor } from './workflow-conductor';

const SWEEP_INTERVAL_MS = 1000;
const BATCH = 100;

/**
 * The safety net of the conductor's cues: a workflow not started a second after it was
 * requested (a rule fired it, or its cue was lost), or unfinished with no unfinished task run
 * (an executor died between a completion and its step), is stepped again. Steps are idempotent,
 * so a workflow stepped by a cue and the sweeper at once is no harm.
 */
@Injectable()
export class WorkflowSweeper extends PeriodicTask {
  protected readonly logger = new Logger('WorkflowSweeper');

  constructor(
    db: DatabaseService,
    private readonly store: ExecutionStore,
    private readonly conductor: WorkflowConductor,
  ) {
    super(db, SWEEP_INTERVAL_MS);
  }

  protected async runOnce(): Promise<void> {
    const stalled = await this.store.taskRuns.stalled(BATCH);
    for (const { id } of stalled) await this.conductor.advance(id);
  }
}
