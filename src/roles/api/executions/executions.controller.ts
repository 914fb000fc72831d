import { Body, Get, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
} from '@nestjs/swagger';
import { Caller, Requires } from '../../../auth/access.decorators';
import type { Principal } from '../../../auth/principal';
import { ApiController } from '../../../http/api-controller.decorator';
import { IdParam } from '../../../http/path-params';
import { ApiErrorBody } from '../../../common/errors';
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

  @ApiOperation({
    summary: 'Run an action',
    description:
      'Stores an execution of the action with these parameters (checked against its parameters_schema); it starts as soon as a worker has room.',
  })
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

  @ApiOperation({
    summary: 'List executions',
    description: 'Executions newest first, filtered by status and action.',
  })
  @Get()
  @Requires('executions:read')
  @ApiOkResponse({ type: ExecutionPage, description: 'Newest first' })
  list(@Query() query: ExecutionListQueryDto, @Caller() caller: Principal) {
    return this.executions.list(query, caller);
  }

  @ApiOperation({
    summary: 'Get an execution',
    description: 'Its status, parameters (secrets masked), result and timestamps.',
  })
  @Get(':id')
  @Requires('executions:read')
  @ApiOkResponse({ type: ExecutionView })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  get(@IdParam() id: string, @Caller() caller: Principal) {
    return this.executions.get(id, caller);
  }

  @ApiOperation({
    summary: 'Cancel an execution',
    description: 'Cancels a waiting execution at once; a running one is stopped by its worker.',
  })
  @Post(':id/cancel')
  @Requires('executions:cancel')
  @HttpCode(202)
  @ApiAcceptedResponse({
    type: ExecutionAccepted,
    description: 'canceled, or still running while its worker stops it',
  })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  @ApiConflictResponse({ type: ApiErrorBody, description: 'Already finished' })
  cancel(@IdParam() id: string, @Caller() caller: Principal) {
    return this.executions.cancel(id, caller);
  }

  @ApiOperation({
    summary: 'Rerun an execution',
    description: 'A new execution of the same action with the same parameters.',
  })
  @Post(':id/rerun')
  @AdmitsWork()
  @Requires('executions:run')
  @ApiCreatedResponse({ type: ExecutionAccepted, description: 'A new execution of the same run' })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  rerun(@IdParam() id: string, @Caller() caller: Principal) {
    return this.executions.rerun(id, caller);
  }
}
