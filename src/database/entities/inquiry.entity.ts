import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity('inquiry')
@Index('inquiry_status_created_idx', ['status', 'createdAt'])
@Index('inquiry_execution_key', ['executionId'], { unique: true })
@Index('inquiry_pending_timeout_idx', ['timeoutAt'], { where: `status = 'pending'` })
export class InquiryEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid', { name: 'execution_id' }) executionId!: string;
  @Column('text') prompt!: string;
  @Column('jsonb', { nullable: true }) schema!: object | null;
  /** pending, responded or timeout. */
  @Column('text') status!: string;
  @Column('jsonb', { nullable: true }) response!: unknown;
  @Column('uuid', { name: 'correlation_id' }) correlationId!: string;
  @Column('timestamptz', { name: 'timeout_at' }) timeoutAt!: Date;
  @Column('timestamptz', { name: 'responded_at', nullable: true }) respondedAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
