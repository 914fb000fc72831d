import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@Entity('trigger')
export class TriggerEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('text', { unique: true }) ref!: string;
  @Column('text', { nullable: true }) description!: string | null;
  @Column('jsonb', { name: 'payload_schema', nullable: true }) payloadSchema!: object | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
