import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsObject, IsOptional, IsUUID } from 'class-validator';
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

  @ApiPropertyOptional({ format: 'uuid', description: 'Only the task runs of this workflow' })
  @IsOptional()
  @IsUUID()
  parent_id?: string;
}

/** Answer to create, rerun and cancel. */
export class ExecutionAccepted {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: EXECUTION_STATUSES }) status!: ExecutionStatus;
}

/** One task run of a workflow, as its execution view lists them. */
export class WorkflowTaskRunView {
  @ApiProperty() task!: string;
  @ApiProperty({ type: Number, nullable: true }) item!: number | null;
  @ApiProperty() attempt!: number;
  @ApiProperty({ format: 'uuid' }) execution_id!: string;
  @ApiProperty({ enum: EXECUTION_STATUSES }) status!: ExecutionStatus;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) started_at!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finished_at!: string | null;
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
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'Its workflow' })
  parent_id!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Its task in the workflow' })
  task!: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Its with_items index' })
  task_item!: number | null;
  @ApiProperty({ type: Number, nullable: true }) task_attempt!: number | null;
  @ApiPropertyOptional({
    type: () => [WorkflowTaskRunView],
    description: 'A workflow: its task runs, oldest first',
  })
  tasks?: WorkflowTaskRunView[];
}

export class ExecutionPage extends PageOf(ExecutionView) {}
