import { Body, Get, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
} from '@nestjs/swagger';
import { Caller, Requires } from '../../../auth/access.decorators';
import type { Principal } from '../../../auth/principal';
import { ApiController } from '../../../http/api-controller.decorator';
import { IdParam } from '../../../http/path-params';
import { ApiErrorBody } from '../../../common/errors';
import { InquiryListQueryDto, InquiryPage, InquiryView, RespondToInquiryDto } from './inquiry.dto';
import { InquiriesService } from './inquiries.service';

@ApiController('inquiries', 'inquiries')
export class InquiriesController {
  constructor(private readonly inquiries: InquiriesService) {}

  @ApiOperation({
    summary: 'List inquiries',
    description: 'Questions asked by core.ask executions, newest first.',
  })
  @Get()
  @Requires('inquiries:read')
  @ApiOkResponse({ type: InquiryPage, description: 'Newest first' })
  list(@Query() query: InquiryListQueryDto) {
    return this.inquiries.list(query);
  }

  @ApiOperation({
    summary: 'Get an inquiry',
    description: 'Its prompt, the JSON schema an answer must meet, and its status.',
  })
  @Get(':id')
  @Requires('inquiries:read')
  @ApiOkResponse({ type: InquiryView })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  get(@IdParam() id: string) {
    return this.inquiries.get(id);
  }

  @ApiOperation({
    summary: 'Answer an inquiry',
    description:
      'The answer is checked against the inquiry schema; the paused execution resumes with it.',
  })
  @Post(':id/respond')
  @Requires('inquiries:respond')
  @HttpCode(200)
  @ApiOkResponse({ type: InquiryView, description: 'Answered; the execution resumes' })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  @ApiConflictResponse({ type: ApiErrorBody, description: 'Not pending any more' })
  respond(@IdParam() id: string, @Body() dto: RespondToInquiryDto, @Caller() caller: Principal) {
    return this.inquiries.respond(id, dto.response, caller);
  }
}
