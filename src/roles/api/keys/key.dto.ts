import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsDate, IsOptional, IsString, Matches } from 'class-validator';
import { PageOf, PaginationQueryDto } from '../../../http/pagination.dto';

export const KEY_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$/;
export const ROLE_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,62}$/;

export class CreateKeyDto {
  @ApiProperty({ example: 'ci', pattern: KEY_NAME_PATTERN.source })
  @IsString()
  @Matches(KEY_NAME_PATTERN, {
    message: 'name must be letters, digits, _ . @ and -, starting with a letter or digit',
  })
  name!: string;

  @ApiProperty({
    example: 'viewer',
    description: 'viewer, operator, editor, admin or a custom role',
  })
  @IsString()
  @Matches(ROLE_NAME_PATTERN, { message: 'role must be the name of a role' })
  role!: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'expires_at must be an ISO 8601 date-time' })
  expires_at?: Date | null;
}

export class KeyListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ description: 'List revoked keys too', default: false })
  @IsOptional()
  @Transform(({ value }) => value === 'true' || value === true)
  @IsBoolean()
  include_revoked?: boolean;
}

export class KeyView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'ci' }) name!: string;
  @ApiProperty({ example: 'atn_AbCdEf…', description: 'The first characters, to tell keys apart' })
  hint!: string;
  @ApiProperty({ example: 'viewer' }) role!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expires_at!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) last_used_at!: string | null;
  @ApiProperty({ example: 'key:admin' }) created_by!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revoked_at!: string | null;
}

export class CreatedKey extends KeyView {
  @ApiProperty({ description: 'The key itself: shown this once, stored only as a hash' })
  key!: string;
}

export class KeyPage extends PageOf(KeyView) {}
