import { Param, PipeTransform, Type } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { REF_MAX_LENGTH, REF_PATTERN, RefPipe } from './ref.pipe';
import { UuidPipe } from './uuid.pipe';

/**
 * A path parameter read through `pipe` and documented with the schema the pipe enforces, in one
 * decorator: the document cannot promise a value the server refuses.
 */
export function PathParam(
  name: string,
  pipe: Type<PipeTransform>,
  schema: SchemaObject,
  description: string,
): ParameterDecorator {
  return (target, propertyKey, index) => {
    Param(name, pipe)(target, propertyKey, index);
    if (propertyKey === undefined) return;
    const descriptor = Object.getOwnPropertyDescriptor(target, propertyKey);
    if (!descriptor) return;
    ApiParam({ name, required: true, schema, description })(target, propertyKey, descriptor);
  };
}

/** A `pack.name` ref in the path. */
export const RefParam = (name = 'ref', description = 'The ref (pack.name)') =>
  PathParam(
    name,
    RefPipe,
    {
      type: 'string',
      pattern: REF_PATTERN.source,
      maxLength: REF_MAX_LENGTH,
      example: 'demo.alert',
    },
    description,
  );

/** A UUID in the path. */
export const IdParam = (name = 'id', description = 'The id (a UUID)') =>
  PathParam(
    name,
    UuidPipe,
    { type: 'string', format: 'uuid', example: '00000000-0000-4000-8000-000000000000' },
    description,
  );
