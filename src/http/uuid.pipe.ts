import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { isUuid } from '../common/uuid';
import { InvalidInputException } from '../common/errors';

/** Path parameter holding an id: a malformed one is a 400, not a database error. */
@Injectable()
export class UuidPipe implements PipeTransform<unknown, string> {
  transform(value: unknown, metadata: ArgumentMetadata): string {
    if (!isUuid(value))
      throw new InvalidInputException([`${metadata.data ?? 'id'} must be a UUID`]);
    return value.toLowerCase();
  }
}
