import { ArgumentMetadata, Injectable, ValidationPipe } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { InvalidInputException } from '../common/errors';

/**
 * When a property fails several constraints, the most basic one says it best: "ref is required"
 * rather than also "ref must be a string", "timeout_ms must be an integer number" rather than
 * "must not be greater than …" for a string.
 */
const CONSTRAINT_PRIORITY = [
  ['isDefined', 'whitelistValidation'],
  ['isString', 'isInt', 'isNumber', 'isBoolean', 'isObject', 'isArray', 'isIn', 'isEnum'],
];

function mainProblems(constraints: Record<string, string>): string[] {
  for (const group of CONSTRAINT_PRIORITY) {
    const hits = Object.keys(constraints).filter((name) => group.includes(name));
    if (hits.length > 0) return hits.map((name) => constraints[name]);
  }
  return Object.values(constraints);
}

/** "property foo should not exist", "timeout_ms must be an integer number" … */
export function describeValidationErrors(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = mainProblems(error.constraints ?? {}).map((message) =>
      parent ? `${parent}.${message}` : message,
    );
    return [...own, ...describeValidationErrors(error.children ?? [], path)];
  });
}

/**
 * Validates every API body, query and parameter DTO; unknown properties are refused. A body
 * that is JSON but not an object (an array) is refused as such rather than property by property.
 */
@Injectable()
class ApiValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) => new InvalidInputException(describeValidationErrors(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body') {
      const isDto = metadata.metatype !== undefined && this.toValidate(metadata);
      if (isDto && value !== undefined && !isPlainObject(value)) {
        throw new InvalidInputException(['the body must be a JSON object']);
      }
      const problem = jsonBodyProblem(value, isDto ? '' : 'payload');
      if (problem !== undefined) throw new InvalidInputException([problem]);
    }
    return super.transform(value, metadata);
  }
}

/** Deeper JSON would overflow the stack of the recursive code after us (validation, stringify). */
export const MAX_JSON_DEPTH = 100;

/**
 * What no handler can take, whatever the DTO: nesting past MAX_JSON_DEPTH, and U+0000, which
 * PostgreSQL text and jsonb cannot hold (found later it would be a database error or, for a
 * webhook, an event the executor cannot store). Iterative, so deep input cannot overflow it.
 */
export function jsonBodyProblem(value: unknown, root: string): string | undefined {
  const pending: Array<{ value: unknown; path: string; depth: number }> = [
    { value, path: root, depth: 0 },
  ];
  while (pending.length > 0) {
    const { value: current, path, depth } = pending.pop()!;
    const where = path || 'the body';
    if (typeof current === 'string' && current.includes('\u0000')) {
      return `${where} contains a NUL character (\\u0000), which cannot be stored`;
    }
    if (typeof current !== 'object' || current === null) continue;
    if (depth >= MAX_JSON_DEPTH) {
      return `${root || 'the body'} is nested deeper than ${MAX_JSON_DEPTH} levels`;
    }
    for (const [key, child] of Object.entries(current)) {
      const at = Array.isArray(current) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
      if (key.includes('\u0000')) {
        return `${at} has a NUL character (\\u0000) in its name, which cannot be stored`;
      }
      pending.push({ value: child, path: at, depth: depth + 1 });
    }
  }
  return undefined;
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * One instance for all API controllers. Scoped to them (not global) because the same
 * application also runs message handlers with their own payload checks.
 */
export const API_VALIDATION_PIPE = new ApiValidationPipe();
