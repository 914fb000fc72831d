import { Body, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
} from '@nestjs/swagger';
import { Caller, Requires } from '../../../auth/access.decorators';
import { KeysService } from '../../../auth/keys.service';
import type { Principal } from '../../../auth/principal';
import { ApiController } from '../../../http/api-controller.decorator';
import { IdParam } from '../../../http/path-params';
import { ApiErrorBody } from '../../../common/errors';
import { CreatedKey, CreateKeyDto, KeyListQueryDto, KeyPage } from './key.dto';

@ApiController('keys', 'keys')
export class KeysController {
  constructor(private readonly keys: KeysService) {}

  @ApiOperation({
    summary: 'Create an API key',
    description: 'Returns the key once; only its hash is stored.',
  })
  @Post()
  @Requires('keys:write')
  @ApiCreatedResponse({ type: CreatedKey, description: 'The key is in `key`, this once only' })
  @ApiNotFoundResponse({ type: ApiErrorBody, description: 'Unknown role' })
  create(@Body() dto: CreateKeyDto, @Caller() caller: Principal) {
    return this.keys.create(
      { name: dto.name, role: dto.role, expiresAt: dto.expires_at ?? null },
      caller,
    );
  }

  @ApiOperation({
    summary: 'List API keys',
    description: 'Names, roles, expiry and last use; never the keys themselves.',
  })
  @Get()
  @Requires('keys:read')
  @ApiOkResponse({ type: KeyPage, description: 'Newest first; never the keys themselves' })
  list(@Query() query: KeyListQueryDto) {
    return this.keys.list({ ...query, includeRevoked: query.include_revoked });
  }

  @ApiOperation({
    summary: 'Revoke an API key',
    description: 'Every process refuses the key within 2 s.',
  })
  @Delete(':id')
  @Requires('keys:write')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Revoked: refused by every process within 2 s' })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  async revoke(@IdParam() id: string, @Caller() caller: Principal): Promise<void> {
    await this.keys.revoke({ id }, caller);
  }
}
