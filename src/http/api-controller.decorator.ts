import { applyDecorators, Controller, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import { ApiBadRequestResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrorBody } from '../common/errors';
import { ApiExceptionFilter } from './api-exception.filter';
import { JsonBodyGuard } from './json-body.guard';
import { API_VALIDATION_PIPE } from './validation.pipe';

export const API_PREFIX = 'api/v1';

/**
 * A controller under /api/v1 with the API's validation and error mapping (its correlation scope
 * comes from CorrelationMiddleware, applied in ApiModule).
 * Applied per controller rather than app-wide: the same app also runs message handlers.
 */
export function ApiController(path: string, tag: string): ClassDecorator {
  return applyDecorators(
    Controller(`${API_PREFIX}/${path}`),
    ApiTags(tag),
    UsePipes(API_VALIDATION_PIPE),
    UseFilters(ApiExceptionFilter),
    UseGuards(JsonBodyGuard),
    ApiBadRequestResponse({
      type: ApiErrorBody,
      description: 'Invalid input; each problem listed',
    }),
    ApiServiceUnavailableResponse({ type: ApiErrorBody, description: 'Database or broker away' }),
  );
}
