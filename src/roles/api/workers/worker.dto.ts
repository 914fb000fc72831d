import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageOf, PaginationQueryDto } from '../../../http/pagination.dto';

export const WORKER_STATUSES = ['active', 'draining', 'inactive'] as const;

export class WorkerListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ enum: WORKER_STATUSES })
  @IsOptional()
  @IsIn(WORKER_STATUSES, { message: `status must be one of ${WORKER_STATUSES.join(', ')}` })
  status?: string;
}

export class WorkerView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'worker-1' }) name!: string;
  @ApiProperty({ type: [String], example: ['shell', 'http', 'echo'] }) runners!: string[];
  @ApiProperty({ description: 'Executions it runs at once' }) capacity!: number;
  @ApiProperty({ enum: WORKER_STATUSES }) status!: string;
  @ApiProperty({ format: 'date-time' }) heartbeat_at!: string;
  @ApiProperty({ format: 'date-time' }) registered_at!: string;
}

export class WorkerPage extends PageOf(WorkerView) {}
