import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@Entity('rule')
@Index('rule_trigger_enabled_idx', ['triggerRef'], { where: 'enabled' })
export class RuleEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('text', { unique: true }) ref!: string;
  @Column('text', { nullable: true }) description!: string | null;
  @Column('text', { name: 'trigger_ref' }) triggerRef!: string;
  @Column('jsonb', { nullable: true }) criteria!: Record<string, unknown> | null;
  @Column('text', { name: 'action_ref' }) actionRef!: string;
  @Column('jsonb', { nullable: true }) parameters!: Record<string, unknown> | null;
  @Column('boolean', { default: true }) enabled!: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
