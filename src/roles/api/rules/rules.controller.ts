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
import { CreateRuleDto, ReplaceRuleDto, RulePage, RuleView } from './rule.dto';
import { RulesService } from './rules.service';

@ApiController('rules', 'rules')
export class RulesController {
  constructor(private readonly rules: RulesService) {}

  @Get()
  @ApiOkResponse({ type: RulePage })
  list(@Query() query: PaginationQueryDto) {
    return this.rules.list(query);
  }

  @Get(':ref')
  @ApiOkResponse({ type: RuleView })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  get(@Param('ref', RefPipe) ref: string) {
    return this.rules.get(ref);
  }

  @Post()
  @ApiCreatedResponse({ type: RuleView })
  @ApiNotFoundResponse({ type: ApiErrorBody, description: 'Unknown trigger or action' })
  @ApiConflictResponse({ type: ApiErrorBody, description: 'Duplicate ref or core pack' })
  create(@Body() dto: CreateRuleDto) {
    return this.rules.create(dto);
  }

  @Put(':ref')
  @ApiOkResponse({ type: RuleView })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  @ApiConflictResponse({ type: ApiErrorBody, description: 'Core pack is read-only' })
  replace(@Param('ref', RefPipe) ref: string, @Body() dto: ReplaceRuleDto) {
    return this.rules.replace(ref, dto);
  }

  @Delete(':ref')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ApiErrorBody })
  @ApiConflictResponse({ type: ApiErrorBody, description: 'Core pack is read-only' })
  async remove(@Param('ref', RefPipe) ref: string): Promise<void> {
    await this.rules.remove(ref);
  }
}
