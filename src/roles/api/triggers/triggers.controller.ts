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
import { CreateTriggerDto, ReplaceTriggerDto, TriggerPage, TriggerView } from './trigger.dto';
import { TriggersService } from './triggers.service';

@ApiController('triggers', 'triggers')
export class TriggersController {
  constructor(private readonly triggers: TriggersService) {}

  @Get()
  @ApiOkResponse({ type: TriggerPage })
  list(@Query() query: PaginationQueryDto) {
    return this.triggers.list(query);
  }

  @Get(':ref')
  @ApiOkResponse({ type: TriggerView })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  get(@Param('ref', RefPipe) ref: string) {
    return this.triggers.get(ref);
  }

  @Post()
  @ApiCreatedResponse({ type: TriggerView })
  @ApiConflictResponse({ type: ApiErrorBody, description: 'Duplicate ref or core pack' })
  create(@Body() dto: CreateTriggerDto) {
    return this.triggers.create(dto);
  }

  @Put(':ref')
  @ApiOkResponse({ type: TriggerView })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  @ApiConflictResponse({ type: ApiErrorBody, description: 'Core pack is read-only' })
  replace(@Param('ref', RefPipe) ref: string, @Body() dto: ReplaceTriggerDto) {
    return this.triggers.replace(ref, dto);
  }

  @Delete(':ref')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ApiErrorBody })
  @ApiConflictResponse({ type: ApiErrorBody, description: 'Used by rules or sensors, or core' })
  async remove(@Param('ref', RefPipe) ref: string): Promise<void> {
    await this.triggers.remove(ref);
  }
}
