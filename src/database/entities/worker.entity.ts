import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity('worker')
export class WorkerEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('text', { unique: true }) name!: string;
  @Column('text', { array: true }) runners!: string[];
  @Column('integer') capacity!: number;
  /** active, draining (SIGTERM, finishing in-flight work) or inactive. */
  @Column('text') status!: string;
  @Column('text', { name: 'instance_id' }) instanceId!: string;
  @Column('timestamptz', { name: 'heartbeat_at' }) heartbeatAt!: Date;
  @CreateDateColumn({ name: 'registered_at', type: 'timestamptz' }) registeredAt!: Date;
}
