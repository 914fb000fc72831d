import { applyDecorators, Injectable, PipeTransform, ArgumentMetadata } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsString, Matches, MaxLength } from 'class-validator';
import { InvalidInputException } from '../common/errors';

/** `pack.name`, lower case: the key of triggers, actions, rules and sensors. */
export const REF_PATTERN = /^[a-z0-9_-]+(\.[a-z0-9_-]+)+$/;
export const REF_MAX_LENGTH = 200;
const REF_HINT = 'must look like pack.name (lower-case letters, digits, _ and -, joined by dots)';

export function isRef(value: unknown): value is string {
  return typeof value === 'string' && value.length <= REF_MAX_LENGTH && REF_PATTERN.test(value);
}

/** Body or query property holding a ref (documented with the pattern it is checked against). */
export function IsRef(): PropertyDecorator {
  return applyDecorators(
    ApiProperty({ pattern: REF_PATTERN.source, maxLength: REF_MAX_LENGTH }),
    IsDefined({ message: ({ property }) => `${property} is required` }),
    IsString(),
    MaxLength(REF_MAX_LENGTH),
    Matches(REF_PATTERN, { message: ({ property }) => `${property} ${REF_HINT}` }),
  );
}

/** Path or query parameter holding a ref: 400 naming the parameter when malformed. */
@Injectable()
export class RefPipe implements PipeTransform<unknown, string> {
  transform(value: unknown, metadata: ArgumentMetadata): string {
    if (!isRef(value)) {
      throw new InvalidInputException([`${metadata.data ?? 'ref'} ${REF_HINT}`]);
    }
    return value;
  }
}

/** PUT /:ref bodies may repeat the ref, but only the same one. */
export function assertPathRef(pathRef: string, bodyRef: string | undefined): void {
  if (bodyRef !== undefined && bodyRef !== pathRef) {
    throw new InvalidInputException([
      `ref '${bodyRef}' in the body differs from '${pathRef}' in the path; a ref cannot be renamed`,
    ]);
  }
}
