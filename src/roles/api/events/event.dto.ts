import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { PageOf, PaginationQueryDto } from '../../../http/pagination.dto';
import { IsRef } from '../../../http/ref.pipe';
import { ANY_JSON } from '../../../http/any-json';

export class EventListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ example: 'demo.alert', description: 'Only events of this trigger' })
  @IsOptional()
  @IsRef()
  trigger?: string;
}

export class EventView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'demo.alert' }) trigger!: string;
  @ApiProperty({ ...ANY_JSON, description: 'The payload: any JSON value' }) payload!: unknown;
  @ApiProperty({ example: 'webhook', description: 'webhook, sensor:<ref>, inquiry …' })
  source!: string;
  @ApiProperty({ format: 'uuid' }) correlation_id!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

export class EventPage extends PageOf(EventView) {}
