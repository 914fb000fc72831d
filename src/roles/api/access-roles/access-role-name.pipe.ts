import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { InvalidInputException } from '../../../common/errors';
import { PathParam } from '../../../http/path-params';
import { ROLE_NAME_PATTERN } from '../keys/key.dto';

/** A role name in the path: 400 naming the parameter when malformed. */
@Injectable()
export class AccessRoleNamePipe implements PipeTransform<unknown, string> {
  transform(value: unknown, metadata: ArgumentMetadata): string {
    if (typeof value !== 'string' || !ROLE_NAME_PATTERN.test(value)) {
      throw new InvalidInputException([
        `${metadata.data ?? 'name'} must be lower-case letters, digits, _ and -, starting with a letter`,
      ]);
    }
    return value;
  }
}

/** The role name in the path, read and documented by the same pattern. */
export const RoleNameParam = () =>
  PathParam(
    'name',
    AccessRoleNamePipe,
    { type: 'string', pattern: ROLE_NAME_PATTERN.source, example: 'deployer' },
    'The role name',
  );
