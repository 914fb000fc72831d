import type { ServerResponse } from 'node:http';
import {
  ArgumentMetadata,
  Body,
  Delete,
  Get,
  HttpCode,
  Injectable,
  PipeTransform,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
} from '@nestjs/swagger';
import { Caller, Requires } from '../../../auth/access.decorators';
import type { Principal } from '../../../auth/principal';
import { SECRET_NAME_PATTERN } from '../../../domain/templating';
import { ApiController } from '../../../http/api-controller.decorator';
import { ApiErrorBody, InvalidInputException } from '../../../common/errors';
import { PaginationQueryDto } from '../../../http/pagination.dto';
import { PathParam } from '../../../http/path-params';
import { PutSecretDto, SecretPage, SecretView } from './secret.dto';
import { SecretsService } from './secrets.service';

/** A secret name in the path, as templates reference it: `{{ secret.<name> }}`. */
@Injectable()
class SecretNamePipe implements PipeTransform<unknown, string> {
  transform(value: unknown, metadata: ArgumentMetadata): string {
    if (typeof value !== 'string' || !SECRET_NAME_PATTERN.test(value)) {
      throw new InvalidInputException([
        `${metadata.data ?? 'name'} must be letters, digits, _ and - (at most 100), starting with a letter or _`,
      ]);
    }
    return value;
  }
}

/** The secret name in the path, read and documented by the same pattern. */
const SecretNameParam = () =>
  PathParam(
    'name',
    SecretNamePipe,
    { type: 'string', pattern: SECRET_NAME_PATTERN.source, example: 'db_password' },
    'The secret name, as templates use it: {{ secret.<name> }}',
  );

@ApiController('secrets', 'secrets')
export class SecretsController {
  constructor(private readonly secrets: SecretsService) {}

  @ApiOperation({
    summary: 'List secrets',
    description: 'Names and who changed them last; never values.',
  })
  @Get()
  @Requires('secrets:read')
  @ApiOkResponse({ type: SecretPage, description: 'Names and who changed them; never values' })
  list(@Query() query: PaginationQueryDto) {
    return this.secrets.list(query);
  }

  @ApiOperation({
    summary: 'Create or replace a secret',
    description:
      'The value is sealed at rest and only opened on the worker that runs a step using it.',
  })
  @Put(':name')
  @Requires('secrets:write')
  @ApiCreatedResponse({ type: SecretView, description: 'Created' })
  @ApiOkResponse({ type: SecretView, description: 'Replaced' })
  async put(
    @SecretNameParam() name: string,
    @Body() dto: PutSecretDto,
    @Caller() caller: Principal,
    @Res() response: ServerResponse,
  ): Promise<void> {
    const { view, created } = await this.secrets.put(name, dto, caller);
    // Answered here: Nest would give every PUT the same status.
    response.writeHead(created ? 201 : 200, { 'content-type': 'application/json; charset=utf-8' });
    response.end(JSON.stringify(view));
  }

  @ApiOperation({
    summary: 'Delete a secret',
    description: 'Steps referring to it fail from then on.',
  })
  @Delete(':name')
  @Requires('secrets:write')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ApiErrorBody })
  async remove(@SecretNameParam() name: string, @Caller() caller: Principal): Promise<void> {
    await this.secrets.remove(name, caller);
  }
}
