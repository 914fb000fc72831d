import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { PageOf } from '../../../http/pagination.dto';
import { IsRef, REF_MAX_LENGTH } from '../../../http/ref.pipe';

/** The fields of a trigger besides its ref (shared by POST and PUT). */
export class TriggerDefinitionDto {
  @ApiPropertyOptional({ type: String, example: 'Raised by the monitoring system', nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(10_000)
  description?: string | null;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'JSON Schema that webhook payloads of this trigger must satisfy',
  })
  @IsOptional()
  @IsObject()
  payload_schema?: Record<string, unknown> | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    writeOnly: true,
    minLength: 16,
    maxLength: 1000,
    description:
      'Write-only: webhooks for this trigger may prove themselves with an HMAC-SHA256 signature ' +
      "under this secret (X-Attune-Signature or GitHub's X-Hub-Signature-256) instead of a key. " +
      'Left out of a PUT it stays as it is; null removes it. Needs ATTUNE_SECRET_KEY.',
  })
  @IsOptional()
  @IsString()
  @MinLength(16)
  @MaxLength(1000)
  webhook_secret?: string | null;
}

export class CreateTriggerDto extends TriggerDefinitionDto {
  @ApiProperty({ example: 'demo.alert', maxLength: REF_MAX_LENGTH })
  @IsRef()
  ref!: string;
}

export class ReplaceTriggerDto extends TriggerDefinitionDto {
  @ApiPropertyOptional({ description: 'Must equal the ref in the path when given' })
  @IsOptional()
  @IsRef()
  ref?: string;
}

export class TriggerView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'demo.alert' }) ref!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  payload_schema!: Record<string, unknown> | null;
  @ApiProperty({ description: 'Whether signed webhooks are accepted (the secret is never shown)' })
  webhook_secret_set!: boolean;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export class TriggerPage extends PageOf(TriggerView) {}
