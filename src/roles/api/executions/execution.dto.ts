import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsObject, IsOptional } from 'class-validator';
import { EXECUTION_STATUSES, ExecutionStatus } from '../../../domain/execution-status';
import { PageOf, PaginationQueryDto } from '../../../http/pagination.dto';
import { IsRef } from '../../../http/ref.pipe';
import { ANY_JSON } from '../../../http/any-json';

export class CreateExecutionDto {
  @ApiProperty({ example: 'core.echo' })
  @IsRef()
  action!: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { message: 'hello' },
    description: "Merged over the action's defaults and checked against its parameters_schema",
  })
  @IsOptional()
  @IsObject()
  parameters?: Record<string, unknown> | null;
}

export class ExecutionListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ enum: EXECUTION_STATUSES })
  @IsOptional()
  @IsIn(EXECUTION_STATUSES, {
    message: `status must be one of ${EXECUTION_STATUSES.join(', ')}`,
  })
  status?: ExecutionStatus;

  @ApiPropertyOptional({ example: 'core.echo', description: 'Only executions of this action' })
  @IsOptional()
  @IsRef()
  action?: string;
}

/** Answer to create, rerun and cancel. */
export class ExecutionAccepted {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: EXECUTION_STATUSES }) status!: ExecutionStatus;
}

export class ExecutionView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'core.echo' }) action!: string;
  @ApiProperty({ enum: EXECUTION_STATUSES }) status!: ExecutionStatus;
  @ApiProperty({ type: 'object', additionalProperties: true })
  parameters!: Record<string, unknown>;
  @ApiProperty({ ...ANY_JSON, description: 'Any JSON value; null until finished' })
  result!: unknown;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) worker_id!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) enforcement_id!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) rerun_of!: string | null;
  @ApiProperty({ format: 'uuid' }) correlation_id!: string;
  @ApiProperty() attempt!: number;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) scheduled_at!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) started_at!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finished_at!: string | null;
}

export class ExecutionPage extends PageOf(ExecutionView) {}
