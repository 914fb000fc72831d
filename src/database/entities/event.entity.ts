import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity('event')
@Index('event_trigger_created_idx', ['triggerRef', 'createdAt'])
@Index('event_created_idx', ['createdAt'])
export class EventEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('text', { name: 'trigger_ref' }) triggerRef!: string;
  @Column('jsonb') payload!: unknown;
  /** webhook, sensor:<ref>, inquiry … where the event came from. */
  @Column('text') source!: string;
  @Column('uuid', { name: 'correlation_id' }) correlationId!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
