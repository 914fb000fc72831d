import { applyDecorators, Controller, UseGuards, UsePipes } from '@nestjs/common';
import { ApiBadRequestResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrorBody } from '../common/errors';
import { JsonBodyGuard } from './json-body.guard';
import { API_VALIDATION_PIPE } from './validation.pipe';

export const API_PREFIX = 'api/v1';

/**
 * A controller under /api/v1 with the API's validation (errors are mapped app-wide by
 * ApiExceptionFilter; its correlation scope
 * comes from CorrelationMiddleware, applied in ApiModule).
 * Applied per controller rather than app-wide: the same app also runs message handlers.
 */
export function ApiController(path: string, tag: string): ClassDecorator {
  return applyDecorators(
    Controller(`${API_PREFIX}/${path}`),
    ApiTags(tag),
    UsePipes(API_VALIDATION_PIPE),
    UseGuards(JsonBodyGuard),
    ApiBadRequestResponse({
      type: ApiErrorBody,
      description: 'Invalid input; each problem listed',
    }),
    ApiServiceUnavailableResponse({ type: ApiErrorBody, description: 'Database or broker away' }),
  );
}
