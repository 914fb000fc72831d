import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsIn, IsOptional } from 'class-validator';
import { PageOf, PaginationQueryDto } from '../../../http/pagination.dto';
import { ANY_JSON, ANY_JSON_VALUE } from '../../../http/any-json';

export const INQUIRY_STATUSES = ['pending', 'responded', 'timeout', 'canceled'] as const;

export class InquiryListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ enum: INQUIRY_STATUSES })
  @IsOptional()
  @IsIn(INQUIRY_STATUSES, { message: `status must be one of ${INQUIRY_STATUSES.join(', ')}` })
  status?: string;
}

export class RespondToInquiryDto {
  @ApiProperty({
    ...ANY_JSON_VALUE,
    description: "The answer: any JSON value, checked against the inquiry's schema",
    example: { approved: true },
  })
  @IsDefined({ message: 'response is required (any JSON value but null)' })
  response!: unknown;
}

export class InquiryView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) execution_id!: string;
  @ApiProperty({ example: 'Deploy to production?' }) prompt!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  schema!: Record<string, unknown> | null;
  @ApiProperty({ enum: INQUIRY_STATUSES }) status!: string;
  @ApiProperty({ ...ANY_JSON, description: 'The answer once responded' }) response!: unknown;
  @ApiProperty({ format: 'uuid' }) correlation_id!: string;
  @ApiProperty({ format: 'date-time' }) timeout_at!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  responded_at!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

export class InquiryPage extends PageOf(InquiryView) {}
