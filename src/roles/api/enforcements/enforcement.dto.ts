import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { PageOf, PaginationQueryDto } from '../../../http/pagination.dto';
import { IsRef } from '../../../http/ref.pipe';
import { UUID_PATTERN } from '../../../common/uuid';

export class EnforcementListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only enforcements of this event' })
  @IsOptional()
  @Matches(UUID_PATTERN, { message: 'event_id must be a UUID' })
  event_id?: string;

  @ApiPropertyOptional({ example: 'demo.on_alert', description: 'Only enforcements of this rule' })
  @IsOptional()
  @IsRef()
  rule?: string;
}

export class EnforcementView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) event_id!: string;
  @ApiProperty({ example: 'demo.on_alert' }) rule!: string;
  @ApiProperty({ example: 'demo.alert' }) trigger!: string;
  @ApiProperty({ example: 'core.echo' }) action!: string;
  @ApiProperty({
    example: 'created',
    description: 'created (an execution was requested) or failed (parameters did not fit)',
  })
  status!: string;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The execution' })
  execution_id!: string | null;
  @ApiProperty({ format: 'uuid' }) correlation_id!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

export class EnforcementPage extends PageOf(EnforcementView) {}
