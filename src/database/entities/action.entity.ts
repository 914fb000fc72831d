import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@Entity('action')
export class ActionEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('text', { unique: true }) ref!: string;
  @Column('text', { nullable: true }) description!: string | null;
  @Column('text') runner!: string;
  @Column('jsonb', { name: 'parameters_schema', nullable: true }) parametersSchema!: object | null;
  @Column('jsonb', { nullable: true }) defaults!: Record<string, unknown> | null;
  @Column('integer', { name: 'timeout_ms', nullable: true }) timeoutMs!: number | null;
  /** When its worker is lost mid-run, retry instead of ending `abandoned` (safe for idempotent actions). */
  @Column('boolean', { name: 'retry_on_worker_loss', default: false }) retryOnWorkerLoss!: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
