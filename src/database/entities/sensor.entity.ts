import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@Entity('sensor')
export class SensorEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('text', { unique: true }) ref!: string;
  @Column('text', { nullable: true }) description!: string | null;
  @Column('text') type!: string;
  @Column('text', { name: 'trigger_ref' }) triggerRef!: string;
  @Column('jsonb') config!: Record<string, unknown>;
  @Column('boolean', { default: true }) enabled!: boolean;
  /** Last tick that fired; with the row lock it makes one replica fire each tick. */
  @Column('timestamptz', { name: 'last_fired_at', nullable: true }) lastFiredAt!: Date | null;
  /** Sensor-specific memory, e.g. the hash of the last http-poll response. */
  @Column('jsonb', { nullable: true }) state!: Record<string, unknown> | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
