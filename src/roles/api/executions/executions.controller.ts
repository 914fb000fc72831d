import { Body, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
} from '@nestjs/swagger';
import { Caller, Requires } from '../../../auth/access.decorators';
import type { Principal } from '../../../auth/principal';
import { ApiController } from '../../../http/api-controller.decorator';
import { ApiErrorBody } from '../../../common/errors';
import { UuidPipe } from '../../../http/uuid.pipe';
import { AdmitsWork } from '../backlog/admits-work.guard';
import {
  CreateExecutionDto,
  ExecutionAccepted,
  ExecutionListQueryDto,
  ExecutionPage,
  ExecutionView,
} from './execution.dto';
import { ExecutionsService } from './executions.service';

@ApiController('executions', 'executions')
export class ExecutionsController {
  constructor(private readonly executions: ExecutionsService) {}

  @Post()
  @AdmitsWork()
  @Requires('executions:run', { ref: { body: 'action' } })
  @ApiCreatedResponse({
    type: ExecutionAccepted,
    description: 'Stored; it starts as soon as a worker has room',
  })
  @ApiNotFoundResponse({ type: ApiErrorBody, description: 'Unknown action' })
  create(@Body() dto: CreateExecutionDto, @Caller() caller: Principal) {
    return this.executions.create(dto, caller);
  }

  @Get()
  @Requires('executions:read')
  @ApiOkResponse({ type: ExecutionPage, description: 'Newest first' })
  list(@Query() query: ExecutionListQueryDto, @Caller() caller: Principal) {
    return this.executions.list(query, caller);
  }

  @Get(':id')
  @Requires('executions:read')
  @ApiOkResponse({ type: ExecutionView })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  get(@Param('id', UuidPipe) id: string, @Caller() caller: Principal) {
    return this.executions.get(id, caller);
  }

  @Post(':id/cancel')
  @Requires('executions:cancel')
  @HttpCode(202)
  @ApiAcceptedResponse({
    type: ExecutionAccepted,
    description: 'canceled, or still running while its worker stops it',
  })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  @ApiConflictResponse({ type: ApiErrorBody, description: 'Already finished' })
  cancel(@Param('id', UuidPipe) id: string, @Caller() caller: Principal) {
    return this.executions.cancel(id, caller);
  }

  @Post(':id/rerun')
  @AdmitsWork()
  @Requires('executions:run')
  @ApiCreatedResponse({ type: ExecutionAccepted, description: 'A new execution of the same run' })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  rerun(@Param('id', UuidPipe) id: string, @Caller() caller: Principal) {
    return this.executions.rerun(id, caller);
  }
}
