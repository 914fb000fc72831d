import { Body, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
} from '@nestjs/swagger';
import { Caller, Requires } from '../../../auth/access.decorators';
import type { Principal } from '../../../auth/principal';
import { ApiController } from '../../../http/api-controller.decorator';
import { ApiErrorBody } from '../../../common/errors';
import { AccessRoleNamePipe } from './access-role-name.pipe';
import {
  AccessRoleDefinitionDto,
  AccessRoleList,
  AccessRoleView,
  CreateAccessRoleDto,
} from './access-role.dto';
import { AccessRolesService } from './access-roles.service';

@ApiController('roles', 'roles')
export class AccessRolesController {
  constructor(private readonly roles: AccessRolesService) {}

  @Get()
  @Requires('roles:read')
  @ApiOkResponse({ type: AccessRoleList, description: 'Built-in roles first, then custom ones' })
  list() {
    return this.roles.list();
  }

  @Post()
  @Requires('roles:write')
  @ApiCreatedResponse({ type: AccessRoleView })
  @ApiConflictResponse({ type: ApiErrorBody, description: 'Exists, or built in' })
  create(@Body() dto: CreateAccessRoleDto, @Caller() caller: Principal) {
    return this.roles.create(dto, caller);
  }

  @Put(':name')
  @Requires('roles:write')
  @ApiOkResponse({ type: AccessRoleView })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  @ApiConflictResponse({ type: ApiErrorBody, description: 'Built in' })
  replace(
    @Param('name', AccessRoleNamePipe) name: string,
    @Body() dto: AccessRoleDefinitionDto,
    @Caller() caller: Principal,
  ) {
    return this.roles.replace(name, dto, caller);
  }

  @Delete(':name')
  @Requires('roles:write')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ApiErrorBody })
  @ApiConflictResponse({ type: ApiErrorBody, description: 'Built in, or held by keys' })
  async remove(
    @Param('name', AccessRoleNamePipe) name: string,
    @Caller() caller: Principal,
  ): Promise<void> {
    await this.roles.remove(name, caller);
  }
}
