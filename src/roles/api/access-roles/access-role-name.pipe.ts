import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { InvalidInputException } from '../../../common/errors';
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
