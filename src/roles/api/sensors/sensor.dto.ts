import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageOf } from '../../../http/pagination.dto';
import { IsRef, REF_MAX_LENGTH } from '../../../http/ref.pipe';
import { SENSOR_TYPES, SensorType } from './sensor-config';

/** The fields of a sensor besides its ref (shared by POST and PUT). */
export class SensorDefinitionDto {
  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(10_000)
  description?: string | null;

  @ApiProperty({ enum: SENSOR_TYPES, example: 'timer' })
  @IsIn(SENSOR_TYPES, { message: `type must be one of ${SENSOR_TYPES.join(', ')}` })
  type!: SensorType;

  @ApiProperty({ example: 'core.timer', description: 'Ref of the trigger it fires' })
  @IsRef()
  trigger!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { interval_ms: 5000 },
    description:
      'timer: { interval_ms } or { cron } (5 or 6 fields); http_poll: { url, interval_ms }',
  })
  @IsObject()
  config!: Record<string, unknown>;

  @ApiPropertyOptional({ type: Boolean, default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean | null;
}

export class CreateSensorDto extends SensorDefinitionDto {
  @ApiProperty({ example: 'demo.every_5s', maxLength: REF_MAX_LENGTH })
  @IsRef()
  ref!: string;
}

export class ReplaceSensorDto extends SensorDefinitionDto {
  @ApiPropertyOptional({ description: 'Must equal the ref in the path when given' })
  @IsOptional()
  @IsRef()
  ref?: string;
}

export class SensorView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'demo.every_5s' }) ref!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ enum: SENSOR_TYPES }) type!: string;
  @ApiProperty({ example: 'core.timer' }) trigger!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) config!: Record<string, unknown>;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export class SensorPage extends PageOf(SensorView) {}
