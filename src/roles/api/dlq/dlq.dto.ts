import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { ANY_JSON } from '../../../http/any-json';

export class PeekQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 10 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

export class ReplayDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 10_000, default: 100 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  limit?: number;
}

export class DeadLetterQueueView {
  @ApiProperty({ example: 'attune.events.queue.dlq' }) queue!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'attune.events.queue',
    description: 'Where replay sends messages back to; null when not replayable',
  })
  source!: string | null;
  @ApiProperty() messages!: number;
}

export class DeadLetterQueueList {
  @ApiProperty({ type: [DeadLetterQueueView] }) items!: DeadLetterQueueView[];
  @ApiProperty() total!: number;
}

export class DeadLetterMessageView {
  @ApiProperty({ type: String, nullable: true }) message_id!: string | null;
  @ApiProperty({ type: String, nullable: true }) message_type!: string | null;
  @ApiProperty({ type: String, nullable: true }) correlation_id!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'rejected' }) reason!: string | null;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty({ type: Number, nullable: true }) retry_count!: number | null;
  @ApiProperty({ type: String, nullable: true }) original_exchange!: string | null;
  @ApiProperty({ type: String, nullable: true }) original_routing_key!: string | null;
  @ApiProperty({ type: String, nullable: true }) failed_at!: string | null;
  @ApiProperty({ ...ANY_JSON, description: 'The message body, parsed when JSON' }) body!: unknown;
}

export class DeadLetterMessageList {
  @ApiProperty({ type: [DeadLetterMessageView] }) items!: DeadLetterMessageView[];
  @ApiProperty({ description: 'Messages in the queue' }) total!: number;
}

export class ReplayResult {
  @ApiProperty() replayed!: number;
  @ApiProperty({ description: 'Messages still in the dead-letter queue' }) remaining!: number;
}
