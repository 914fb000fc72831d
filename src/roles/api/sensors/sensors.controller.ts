import { Body, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
} from '@nestjs/swagger';
import { ApiController } from '../common/api-controller.decorator';
import { ApiErrorBody } from '../common/api-errors';
import { PaginationQueryDto } from '../common/pagination';
import { RefPipe } from '../common/ref';
import { CreateSensorDto, ReplaceSensorDto, SensorPage, SensorView } from './sensor.dto';
import { SensorsService } from './sensors.service';

@ApiController('sensors', 'sensors')
export class SensorsController {
  constructor(private readonly sensors: SensorsService) {}

  @Get()
  @ApiOkResponse({ type: SensorPage })
  list(@Query() query: PaginationQueryDto) {
    return this.sensors.list(query);
  }

  @Get(':ref')
  @ApiOkResponse({ type: SensorView })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  get(@Param('ref', RefPipe) ref: string) {
    return this.sensors.get(ref);
  }

  @Post()
  @ApiCreatedResponse({ type: SensorView })
  @ApiNotFoundResponse({ type: ApiErrorBody, description: 'Unknown trigger' })
  @ApiConflictResponse({ type: ApiErrorBody, description: 'Duplicate ref or core pack' })
  create(@Body() dto: CreateSensorDto) {
    return this.sensors.create(dto);
  }

  @Put(':ref')
  @ApiOkResponse({ type: SensorView })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  @ApiConflictResponse({ type: ApiErrorBody, description: 'Core pack is read-only' })
  replace(@Param('ref', RefPipe) ref: string, @Body() dto: ReplaceSensorDto) {
    return this.sensors.replace(ref, dto);
  }

  @Delete(':ref')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ApiErrorBody })
  @ApiConflictResponse({ type: ApiErrorBody, description: 'Core pack is read-only' })
  async remove(@Param('ref', RefPipe) ref: string): Promise<void> {
    await this.sensors.remove(ref);
  }
}
