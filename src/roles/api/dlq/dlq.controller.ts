import { Body, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse } from '@nestjs/swagger';
import { Caller, Requires } from '../../../auth/access.decorators';
import type { Principal } from '../../../auth/principal';
import { ApiController } from '../../../http/api-controller.decorator';
import { ApiErrorBody } from '../../../common/errors';
import {
  DeadLetterMessageList,
  DeadLetterQueueList,
  PeekQueryDto,
  ReplayDto,
  ReplayResult,
} from './dlq.dto';
import { DlqService } from './dlq.service';

@ApiController('dlq', 'dead letters')
export class DlqController {
  constructor(private readonly dlq: DlqService) {}

  @Get()
  @Requires('dlq:read')
  @ApiOkResponse({ type: DeadLetterQueueList, description: 'Every dead-letter queue and count' })
  list() {
    return this.dlq.list();
  }

  @Get(':queue/messages')
  @Requires('dlq:read')
  @ApiOkResponse({ type: DeadLetterMessageList, description: 'Read without removing them' })
  @ApiNotFoundResponse({ type: ApiErrorBody, description: 'Unknown dead-letter queue' })
  peek(@Param('queue') queue: string, @Query() query: PeekQueryDto) {
    return this.dlq.peek(queue, query.limit ?? 10);
  }

  @Post(':queue/replay')
  @Requires('dlq:replay')
  @HttpCode(200)
  @ApiOkResponse({ type: ReplayResult, description: 'Sent back to the queue they failed on' })
  @ApiNotFoundResponse({ type: ApiErrorBody, description: 'Unknown dead-letter queue' })
  @ApiConflictResponse({ type: ApiErrorBody, description: 'Not replayable' })
  replay(@Param('queue') queue: string, @Body() dto: ReplayDto, @Caller() caller: Principal) {
    return this.dlq.replay(queue, dto.limit ?? 100, caller);
  }
}
