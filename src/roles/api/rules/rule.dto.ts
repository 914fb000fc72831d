import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageOf } from '../../../http/pagination.dto';
import { IsRef, REF_MAX_LENGTH } from '../../../http/ref.pipe';

/** The fields of a rule besides its ref (shared by POST and PUT). */
export class RuleDefinitionDto {
  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(10_000)
  description?: string | null;

  @ApiProperty({ example: 'demo.alert', description: 'Ref of the trigger whose events it sees' })
  @IsRef()
  trigger!: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    example: { 'payload.severity': { eq: 'high' } },
    description: 'Conditions on the event, all of which must hold',
  })
  @IsOptional()
  @IsObject()
  criteria?: Record<string, unknown> | null;

  @ApiProperty({ example: 'core.echo', description: 'Ref of the action to run' })
  @IsRef()
  action!: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    example: { message: '{{ event.payload.text }}' },
    description: 'Action parameters, templated from the event',
  })
  @IsOptional()
  @IsObject()
  parameters?: Record<string, unknown> | null;

  @ApiPropertyOptional({ type: Boolean, default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean | null;
}

export class CreateRuleDto extends RuleDefinitionDto {
  @ApiProperty({ example: 'demo.on_alert', maxLength: REF_MAX_LENGTH })
  @IsRef()
  ref!: string;
}

export class ReplaceRuleDto extends RuleDefinitionDto {
  @ApiPropertyOptional({ description: 'Must equal the ref in the path when given' })
  @IsOptional()
  @IsRef()
  ref?: string;
}

export class RuleView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'demo.on_alert' }) ref!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ example: 'demo.alert' }) trigger!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  criteria!: Record<string, unknown> | null;
  @ApiProperty({ example: 'core.echo' }) action!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  parameters!: Record<string, unknown> | null;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export class RulePage extends PageOf(RuleView) {}
