import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { ExecutionStatus } from '../../domain/execution-status';

@Entity('execution')
@Index('execution_created_idx', ['createdAt'])
@Index('execution_status_created_idx', ['status', 'createdAt'])
@Index('execution_action_created_idx', ['actionRef', 'createdAt'])
@Index('execution_enforcement_key', ['enforcementId'], { unique: true })
@Index('execution_worker_active_idx', ['workerId'], { where: `status IN ('scheduled', 'running')` })
@Index('execution_dispatch_idx', ['dispatchAfter'], { where: `status = 'requested'` })
export class ExecutionEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('text', { name: 'action_ref' }) actionRef!: string;
  @Column('text') status!: ExecutionStatus;
  @Column('jsonb') parameters!: Record<string, unknown>;
  @Column('jsonb', { nullable: true }) result!: unknown;
  @Column('text', { nullable: true }) error!: string | null;
  @Column('uuid', { name: 'worker_id', nullable: true }) workerId!: string | null;
  @Column('uuid', { name: 'enforcement_id', nullable: true }) enforcementId!: string | null;
  @Column('uuid', { name: 'rerun_of', nullable: true }) rerunOf!: string | null;
  @Column('uuid', { name: 'correlation_id' }) correlationId!: string;
  /** Bumped when the execution is retried after its worker was lost; stale messages carry the old one. */
  @Column('integer', { default: 1 }) attempt!: number;
  /** How often the scheduler found no worker; drives the backoff of the requested-sweeper. */
  @Column('integer', { name: 'dispatch_attempts', default: 0 }) dispatchAttempts!: number;
  @Column('timestamptz', { name: 'dispatch_after', default: () => 'now()' }) dispatchAfter!: Date;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column('timestamptz', { name: 'scheduled_at', nullable: true }) scheduledAt!: Date | null;
  @Column('timestamptz', { name: 'started_at', nullable: true }) startedAt!: Date | null;
  @Column('timestamptz', { name: 'finished_at', nullable: true }) finishedAt!: Date | null;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
