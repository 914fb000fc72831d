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
import { CreateActionDto, ReplaceActionDto, ActionPage, ActionView } from './action.dto';
import { ActionsService } from './actions.service';

@ApiController('actions', 'actions')
export class ActionsController {
  constructor(private readonly actions: ActionsService) {}

  @Get()
  @ApiOkResponse({ type: ActionPage })
  list(@Query() query: PaginationQueryDto) {
    return this.actions.list(query);
  }

  @Get(':ref')
  @ApiOkResponse({ type: ActionView })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  get(@Param('ref', RefPipe) ref: string) {
    return this.actions.get(ref);
  }

  @Post()
  @ApiCreatedResponse({ type: ActionView })
  @ApiConflictResponse({ type: ApiErrorBody, description: 'Duplicate ref or core pack' })
  create(@Body() dto: CreateActionDto) {
    return this.actions.create(dto);
  }

  @Put(':ref')
  @ApiOkResponse({ type: ActionView })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  @ApiConflictResponse({ type: ApiErrorBody, description: 'Core pack is read-only' })
  replace(@Param('ref', RefPipe) ref: string, @Body() dto: ReplaceActionDto) {
    return this.actions.replace(ref, dto);
  }

  @Delete(':ref')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ApiErrorBody })
  @ApiConflictResponse({ type: ApiErrorBody, description: 'Used by rules, or core' })
  async remove(@Param('ref', RefPipe) ref: string): Promise<void> {
    await this.actions.remove(ref);
  }
}
