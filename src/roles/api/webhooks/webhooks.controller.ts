import type { ServerResponse } from 'node:http';
import { Body, HttpCode, Post, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiForbiddenResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiProperty,
  ApiSecurity,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { BEARER_SCHEME, Public } from '../../../auth/access.decorators';
import { ApiController } from '../../../http/api-controller.decorator';
import { RefParam } from '../../../http/path-params';
import { ApiErrorBody } from '../../../common/errors';
import { AdmitsWork } from '../backlog/admits-work.guard';
import { WebhookRequest } from './webhook-authenticator';
import { ATTUNE_SIGNATURE_HEADER, GITHUB_SIGNATURE_HEADER } from './webhook-signature';
import { WebhooksService } from './webhooks.service';

export class WebhookAccepted {
  @ApiProperty({ format: 'uuid' }) event_id!: string;
}

@ApiController('webhooks', 'webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  /**
   * Any JSON body is the event payload (checked against the trigger's payload_schema). Open
   * without a key when signed (see WebhookAuthenticator).
   */
  @ApiOperation({
    summary: 'Send an event to a trigger',
    description:
      'The JSON body is the event payload (checked against the trigger payload_schema); rules on the trigger fire. Authenticated by a key with webhooks:send or by a signature with the trigger webhook secret.',
  })
  @Post(':triggerRef')
  @Public()
  @ApiSecurity(BEARER_SCHEME)
  @ApiHeader({
    name: ATTUNE_SIGNATURE_HEADER,
    required: false,
    description: 't=<unix seconds>,v1=<hex HMAC-SHA256(webhook_secret, "<t>.<raw body>")>',
  })
  @ApiHeader({
    name: GITHUB_SIGNATURE_HEADER,
    required: false,
    description: "GitHub's sha256=<hex HMAC-SHA256(webhook_secret, raw body)>",
  })
  @ApiUnauthorizedResponse({
    type: ApiErrorBody,
    description: 'Neither a key nor a valid signature',
  })
  @ApiForbiddenResponse({ type: ApiErrorBody, description: 'The key lacks webhooks:send' })
  @AdmitsWork()
  @HttpCode(202)
  @ApiBody({
    schema: {
      type: 'object',
      additionalProperties: true,
      example: { severity: 'high', host: 'db-1', text: 'disk full' },
    },
    description: 'The event payload: any JSON object or array',
  })
  @ApiAcceptedResponse({ type: WebhookAccepted, description: 'EventCreated was published' })
  @ApiNotFoundResponse({ type: ApiErrorBody, description: 'Unknown trigger' })
  @ApiPayloadTooLargeResponse({ type: ApiErrorBody, description: 'Body over HTTP_BODY_LIMIT' })
  receive(
    @RefParam('triggerRef', 'The trigger that receives the event') triggerRef: string,
    @Body() payload: unknown,
    @Req() request: WebhookRequest,
    @Res({ passthrough: true }) response: ServerResponse,
  ): Promise<WebhookAccepted> {
    // No JSON body at all (no content type) is an empty payload.
    return this.webhooks.receive(triggerRef, payload ?? {}, request, response);
  }
}
