import { Body, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse } from '@nestjs/swagger';
import { Caller, Requires } from '../../../auth/access.decorators';
import type { Principal } from '../../../auth/principal';
import { ApiController } from '../../../http/api-controller.decorator';
import { ApiErrorBody } from '../../../common/errors';
import { UuidPipe } from '../../../http/uuid.pipe';
import { InquiryListQueryDto, InquiryPage, InquiryView, RespondToInquiryDto } from './inquiry.dto';
import { InquiriesService } from './inquiries.service';

@ApiController('inquiries', 'inquiries')
export class InquiriesController {
  constructor(private readonly inquiries: InquiriesService) {}

  @Get()
  @Requires('inquiries:read')
  @ApiOkResponse({ type: InquiryPage, description: 'Newest first' })
  list(@Query() query: InquiryListQueryDto) {
    return this.inquiries.list(query);
  }

  @Get(':id')
  @Requires('inquiries:read')
  @ApiOkResponse({ type: InquiryView })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  get(@Param('id', UuidPipe) id: string) {
    return this.inquiries.get(id);
  }

  @Post(':id/respond')
  @Requires('inquiries:respond')
  @HttpCode(200)
  @ApiOkResponse({ type: InquiryView, description: 'Answered; the execution resumes' })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  @ApiConflictResponse({ type: ApiErrorBody, description: 'Not pending any more' })
  respond(
    @Param('id', UuidPipe) id: string,
    @Body() dto: RespondToInquiryDto,
    @Caller() caller: Principal,
  ) {
    return this.inquiries.respond(id, dto.response, caller);
  }
}
