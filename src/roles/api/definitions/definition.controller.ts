import {
  applyDecorators,
  Body,
  Delete,
  Get,
  HttpCode,
  Inject,
  Post,
  Put,
  Query,
  Type,
} from '@nestjs/common';
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
import type { Permission } from '../../../domain/permissions';
import { ApiController } from '../../../http/api-controller.decorator';
import { ApiErrorBody } from '../../../common/errors';
import { Page, PaginationQueryDto } from '../../../http/pagination.dto';
import { RefParam } from '../../../http/path-params';

/** What a definition resource's service offers (triggers, actions, rules, sensors). */
export interface DefinitionOperations<View, Create, Replace> {
  /** Only the refs the caller may read. */
  list(query: PaginationQueryDto, caller: Principal): Promise<Page<View>>;
  get(ref: string): Promise<View>;
  create(dto: Create, caller: Principal): Promise<View>;
  replace(ref: string, dto: Replace, caller: Principal): Promise<View>;
  remove(ref: string, caller: Principal): Promise<void>;
}

export interface DefinitionRoutes<View, Create, Replace> {
  /** URL segment under /api/v1, also the OpenAPI tag and the resource of its permissions. */
  path: 'triggers' | 'actions' | 'rules' | 'sensors';
  /** One of them, in the words of the document ("trigger"). */
  noun: string;
  service: Type<DefinitionOperations<View, Create, Replace>>;
  create: Type<Create>;
  replace: Type<Replace>;
  view: Type<View>;
  page: Type<Page<View>>;
  /** When creating can name other definitions that may not exist. */
  unknownOnCreate?: string;
  /** Why deleting may be refused. */
  removeConflict: string;
}

/**
 * CRUD by ref for one definition resource; each resource's controller extends the class this
 * returns. Validation and OpenAPI read the DTO types from the parameter types recorded below
 * (a generic method would record only Object).
 */
export function DefinitionController<View, Create, Replace>(
  routes: DefinitionRoutes<View, Create, Replace>,
) {
  const read = `${routes.path}:read` satisfies Permission;
  const write = `${routes.path}:write` satisfies Permission;
  const noun = routes.noun.charAt(0).toUpperCase() + routes.noun.slice(1);

  @ApiController(routes.path, routes.path)
  class DefinitionRoutesController {
    constructor(
      @Inject(routes.service) readonly definitions: DefinitionOperations<View, Create, Replace>,
    ) {}

    @ApiOperation({
      summary: `List ${routes.path}`,
      description: `${noun}s the key may read, ordered by ref.`,
    })
    @Get()
    @Requires(read)
    @ApiOkResponse({ type: routes.page })
    list(@Query() query: PaginationQueryDto, @Caller() caller: Principal) {
      return this.definitions.list(query, caller);
    }

    @ApiOperation({ summary: `Get a ${routes.noun}`, description: `One ${routes.noun} by ref.` })
    @Get(':ref')
    @Requires(read, { ref: { param: 'ref' } })
    @ApiOkResponse({ type: routes.view })
    @ApiNotFoundResponse({ type: ApiErrorBody })
    get(@RefParam() ref: string) {
      return this.definitions.get(ref);
    }

    @ApiOperation({
      summary: `Create a ${routes.noun}`,
      description: `${noun} definitions are validated whole; every problem is listed in a 400.`,
    })
    @Post()
    @Requires(write, { ref: { body: 'ref' } })
    @ApiCreatedResponse({ type: routes.view })
    @applyDecorators(
      ...(routes.unknownOnCreate
        ? [ApiNotFoundResponse({ type: ApiErrorBody, description: routes.unknownOnCreate })]
        : []),
    )
    @ApiConflictResponse({ type: ApiErrorBody, description: 'Duplicate ref or core pack' })
    create(@Body() dto: Create, @Caller() caller: Principal) {
      return this.definitions.create(dto, caller);
    }

    @ApiOperation({
      summary: `Replace a ${routes.noun}`,
      description: `The whole definition is replaced; the ref cannot change.`,
    })
    @Put(':ref')
    @Requires(write, { ref: { param: 'ref' } })
    @ApiOkResponse({ type: routes.view })
    @ApiNotFoundResponse({ type: ApiErrorBody })
    @ApiConflictResponse({ type: ApiErrorBody, description: 'Core pack is read-only' })
    replace(@RefParam() ref: string, @Body() dto: Replace, @Caller() caller: Principal) {
      return this.definitions.replace(ref, dto, caller);
    }

    @ApiOperation({
      summary: `Delete a ${routes.noun}`,
      description: `Removes the ${routes.noun}. ${routes.removeConflict}.`,
    })
    @Delete(':ref')
    @Requires(write, { ref: { param: 'ref' } })
    @HttpCode(204)
    @ApiNoContentResponse()
    @ApiNotFoundResponse({ type: ApiErrorBody })
    @ApiConflictResponse({ type: ApiErrorBody, description: routes.removeConflict })
    async remove(@RefParam() ref: string, @Caller() caller: Principal): Promise<void> {
      await this.definitions.remove(ref, caller);
    }
  }

  const prototype = DefinitionRoutesController.prototype;
  Reflect.defineMetadata('design:paramtypes', [routes.create, Object], prototype, 'create');
  Reflect.defineMetadata(
    'design:paramtypes',
    [String, routes.replace, Object],
    prototype,
    'replace',
  );
  return DefinitionRoutesController;
}
