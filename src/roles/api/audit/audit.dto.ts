import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { PageOf, PaginationQueryDto } from '../../../http/pagination.dto';

export class AuditListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ example: 'key:ci', description: 'Only what this actor did' })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  actor?: string;

  @ApiPropertyOptional({ example: 'execution', description: 'Only changes to this kind of thing' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  resource?: string;

  @ApiPropertyOptional({ example: 'run', description: 'Only this action' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  action?: string;
}

export class AuditEntryView {
  @ApiProperty({ example: '42' }) id!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ example: 'key:ci', description: 'key:<name>, cli or system' }) actor!: string;
  @ApiProperty({ example: 'create' }) action!: string;
  @ApiProperty({ example: 'rule' }) resource!: string;
  @ApiProperty({ type: String, nullable: true, example: 'demo.on_alert' }) ref!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) correlation_id!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  details!: Record<string, unknown> | null;
}

export class AuditPage extends PageOf(AuditEntryView) {}
