import { Body, Delete, Get, HttpCode, Post, Put } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
} from '@nestjs/swagger';
import { Caller, Requires } from '../../../auth/access.decorators';
import type { Principal } from '../../../auth/principal';
import { ApiController } from '../../../http/api-controller.decorator';
import { ApiErrorBody } from '../../../common/errors';
import { RoleNameParam } from './access-role-name.pipe';
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

  @ApiOperation({
    summary: 'List roles',
    description:
      'The built-in roles (admin, operator, viewer) and custom ones, with their permissions.',
  })
  @Get()
  @Requires('roles:read')
  @ApiOkResponse({ type: AccessRoleList, description: 'Built-in roles first, then custom ones' })
  list() {
    return this.roles.list();
  }

  @ApiOperation({
    summary: 'Create a custom role',
    description:
      'A named set of permissions, optionally scoped to refs by glob; keys are given a role by name.',
  })
  @Post()
  @Requires('roles:write')
  @ApiCreatedResponse({ type: AccessRoleView })
  @ApiConflictResponse({ type: ApiErrorBody, description: 'Exists, or built in' })
  create(@Body() dto: CreateAccessRoleDto, @Caller() caller: Principal) {
    return this.roles.create(dto, caller);
  }

  @ApiOperation({
    summary: 'Replace a custom role',
    description:
      'Keys holding the role get the new permissions within 2 s. Built-in roles cannot be changed.',
  })
  @Put(':name')
  @Requires('roles:write')
  @ApiOkResponse({ type: AccessRoleView })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  @ApiConflictResponse({ type: ApiErrorBody, description: 'Built in' })
  replace(
    @RoleNameParam() name: string,
    @Body() dto: AccessRoleDefinitionDto,
    @Caller() caller: Principal,
  ) {
    return this.roles.replace(name, dto, caller);
  }

  @ApiOperation({
    summary: 'Delete a custom role',
    description: 'Refused while a key holds it, and for built-in roles.',
  })
  @Delete(':name')
  @Requires('roles:write')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ApiErrorBody })
  @ApiConflictResponse({ type: ApiErrorBody, description: 'Built in, or held by keys' })
  async remove(@RoleNameParam() name: string, @Caller() caller: Principal): Promise<void> {
    await this.roles.remove(name, caller);
  }
}
