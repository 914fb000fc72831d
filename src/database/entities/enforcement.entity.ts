import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, Unique } from 'typeorm';

@Entity('enforcement')
@Unique('enforcement_event_rule_key', ['eventId', 'ruleRef'])
@Index('enforcement_created_idx', ['createdAt'])
export class EnforcementEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid', { name: 'event_id' }) eventId!: string;
  @Column('text', { name: 'rule_ref' }) ruleRef!: string;
  @Column('text', { name: 'trigger_ref' }) triggerRef!: string;
  @Column('text', { name: 'action_ref' }) actionRef!: string;
  /** created (an execution was requested) or failed (parameters did not fit the action). */
  @Column('text') status!: string;
  @Column('text', { nullable: true }) error!: string | null;
  @Column('uuid', { name: 'correlation_id' }) correlationId!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
