import { Body, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
} from '@nestjs/swagger';
import { Caller, Requires } from '../../../auth/access.decorators';
import { KeysService } from '../../../auth/keys.service';
import type { Principal } from '../../../auth/principal';
import { ApiController } from '../../../http/api-controller.decorator';
import { ApiErrorBody } from '../../../common/errors';
import { UuidPipe } from '../../../http/uuid.pipe';
import { CreatedKey, CreateKeyDto, KeyListQueryDto, KeyPage } from './key.dto';

@ApiController('keys', 'keys')
export class KeysController {
  constructor(private readonly keys: KeysService) {}

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

  @Get()
  @Requires('keys:read')
  @ApiOkResponse({ type: KeyPage, description: 'Newest first; never the keys themselves' })
  list(@Query() query: KeyListQueryDto) {
    return this.keys.list({ ...query, includeRevoked: query.include_revoked });
  }

  @Delete(':id')
  @Requires('keys:write')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Revoked: refused by every process within 2 s' })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  async revoke(@Param('id', UuidPipe) id: string, @Caller() caller: Principal): Promise<void> {
    await this.keys.revoke({ id }, caller);
  }
}
