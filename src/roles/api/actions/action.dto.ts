import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { RUNNERS, RunnerName } from '../../../domain/core-pack';
import type { ActionPolicy } from '../../../domain/concurrency-policy';
import { PageOf } from '../../../http/pagination.dto';
import { IsRef, REF_MAX_LENGTH } from '../../../http/ref.pipe';

export const MAX_ACTION_TIMEOUT_MS = 86_400_000;

/** The fields of an action besides its ref (shared by POST and PUT). */
export class ActionDefinitionDto {
  @ApiPropertyOptional({ type: String, example: 'Greets someone', nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(10_000)
  description?: string | null;

  @ApiProperty({ enum: RUNNERS, example: 'shell' })
  @IsIn(RUNNERS, { message: `runner must be one of ${RUNNERS.join(', ')}` })
  runner!: RunnerName;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'JSON Schema of the parameters',
  })
  @IsOptional()
  @IsObject()
  parameters_schema?: Record<string, unknown> | null;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'Parameter values used when a run does not give them',
  })
  @IsOptional()
  @IsObject()
  defaults?: Record<string, unknown> | null;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_ACTION_TIMEOUT_MS,
    example: 60_000,
    nullable: true,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_ACTION_TIMEOUT_MS)
  timeout_ms?: number | null;

  @ApiPropertyOptional({
    type: Boolean,
    default: false,
    description: 'Retry instead of ending abandoned when the worker is lost mid-run',
  })
  @IsOptional()
  @IsBoolean()
  retry_on_worker_loss?: boolean | null;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    example: { concurrency: { limit: 2, key: '{{ parameters.host }}', on_limit: 'delay' } },
    description:
      'concurrency: at most `limit` executions (per rendered `key`) scheduled or running; ' +
      'the rest wait `delayed` (on_limit delay, the default) or end `canceled` (on_limit cancel)',
  })
  @IsOptional()
  @IsObject()
  policy?: ActionPolicy | null;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'With runner "workflow": its tasks and output (docs/workflows.md)',
  })
  @IsOptional()
  @IsObject()
  workflow?: Record<string, unknown> | null;
}

export class CreateActionDto extends ActionDefinitionDto {
  @ApiProperty({ example: 'demo.greet', maxLength: REF_MAX_LENGTH })
  @IsRef()
  ref!: string;
}

export class ReplaceActionDto extends ActionDefinitionDto {
  @ApiPropertyOptional({ description: 'Must equal the ref in the path when given' })
  @IsOptional()
  @IsRef()
  ref?: string;
}

export class ActionView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'demo.greet' }) ref!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ enum: RUNNERS }) runner!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  parameters_schema!: Record<string, unknown> | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  defaults!: Record<string, unknown> | null;
  @ApiProperty({ type: Number, nullable: true }) timeout_ms!: number | null;
  @ApiProperty() retry_on_worker_loss!: boolean;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  policy!: ActionPolicy | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  workflow!: Record<string, unknown> | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export class ActionPage extends PageOf(ActionView) {}
