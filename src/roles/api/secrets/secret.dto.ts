import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { MIN_MASKED_LENGTH } from '../../../secrets/secret-masker';
import { PageOf } from '../../../http/pagination.dto';

export class PutSecretDto {
  @ApiProperty({
    writeOnly: true,
    minLength: MIN_MASKED_LENGTH,
    maxLength: 65_536,
    description: 'Stored encrypted; never shown again, masked as *** wherever an action shows it',
    example: 'correct-horse-battery-staple',
  })
  @IsString()
  @MinLength(MIN_MASKED_LENGTH, {
    message: `value must be at least ${MIN_MASKED_LENGTH} characters (shorter ones could not be masked in output)`,
  })
  @MaxLength(65_536)
  value!: string;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(10_000)
  description?: string | null;
}

export class SecretView {
  @ApiProperty({ example: 'db_password' }) name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ example: 'key:admin', description: 'Who last set it' }) updated_by!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export class SecretPage extends PageOf(SecretView) {}
