import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { ROLE_NAME_PATTERN } from '../keys/key.dto';

export class GrantDto {
  @ApiProperty({
    example: 'executions:run',
    description: '<resource>:<verb>, or a pattern with * (executions:*, *:read, *)',
  })
  @IsString()
  @MaxLength(100)
  permission!: string;

  @ApiPropertyOptional({
    example: 'demo.*',
    default: '*',
    description:
      'Glob over refs (* any characters, ? one) for triggers, actions, rules, sensors, webhooks, ' +
      'executions (by action), events (by trigger) and enforcements (by rule)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  refs?: string;
}

/** The fields of a role besides its name (shared by POST and PUT). */
export class AccessRoleDefinitionDto {
  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(10_000)
  description?: string | null;

  @ApiProperty({ type: [GrantDto] })
  @IsArray()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => GrantDto)
  grants!: GrantDto[];
}

export class CreateAccessRoleDto extends AccessRoleDefinitionDto {
  @ApiProperty({ example: 'deployer', pattern: ROLE_NAME_PATTERN.source })
  @IsString()
  @Matches(ROLE_NAME_PATTERN, {
    message: 'name must be lower-case letters, digits, _ and -, starting with a letter',
  })
  name!: string;
}

export class AccessRoleView {
  @ApiProperty({ example: 'deployer' }) name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ type: [GrantDto] }) grants!: GrantDto[];
  @ApiProperty({ description: 'viewer, operator, editor and admin are built in (read-only)' })
  built_in!: boolean;
}

export class AccessRoleList {
  @ApiProperty({ type: [AccessRoleView] }) items!: AccessRoleView[];
  @ApiProperty() total!: number;
}
