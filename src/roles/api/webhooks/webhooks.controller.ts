import { Body, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiNotFoundResponse,
  ApiPayloadTooLargeResponse,
  ApiProperty,
} from '@nestjs/swagger';
import { ApiController } from '../common/api-controller.decorator';
import { ApiErrorBody } from '../common/api-errors';
import { RefPipe } from '../common/ref';
import { WebhooksService } from './webhooks.service';

export class WebhookAccepted {
  @ApiProperty({ format: 'uuid' }) event_id!: string;
}

@ApiController('webhooks', 'webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  /** Any JSON body is the event payload (checked against the trigger's payload_schema). */
  @Post(':triggerRef')
  @HttpCode(202)
  @ApiBody({
    schema: { type: 'object', additionalProperties: true },
    description: 'The event payload: any JSON object or array',
  })
  @ApiAcceptedResponse({ type: WebhookAccepted, description: 'EventCreated was published' })
  @ApiNotFoundResponse({ type: ApiErrorBody, description: 'Unknown trigger' })
  @ApiPayloadTooLargeResponse({ type: ApiErrorBody, description: 'Body over HTTP_BODY_LIMIT' })
  receive(
    @Param('triggerRef', RefPipe) triggerRef: string,
    @Body() payload: unknown,
  ): Promise<WebhookAccepted> {
    // No JSON body at all (no content type) is an empty payload.
    return this.webhooks.receive(triggerRef, payload ?? {});
  }
}
