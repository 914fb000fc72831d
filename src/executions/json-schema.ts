import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * One Ajv instance for every user-supplied JSON Schema (action parameters, payloads, answers).
 * `addUsedSchema: false` keeps user schemas out of Ajv's registry, so two schemas with the same
 * `$id` never clash and compiled schemas are not retained by Ajv itself.
 */
const ajv = new Ajv({ allErrors: true, strict: false, addUsedSchema: false });
addFormats(ajv);

/** Compiled validators by schema text: schemas are re-read often but change rarely. */
const MAX_CACHED = 500;
const compiled = new Map<string, ValidateFunction>();

function validatorFor(schema: object): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (validate) {
    // Refresh its place: the map's order is least recently used first.
    compiled.delete(key);
  } else {
    validate = ajv.compile(schema);
    // Ajv also caches by schema object (a new object per read): let it forget this one.
    ajv.removeSchema(schema);
    if (compiled.size >= MAX_CACHED) compiled.delete(compiled.keys().next().value!);
  }
  compiled.set(key, validate);
  return validate;
}

/** Whether `schema` is itself a usable JSON Schema; returns the problem or undefined. */
export function schemaProblem(schema: unknown): string | undefined {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    return 'must be a JSON Schema object';
  }
  try {
    validatorFor(schema);
    return undefined;
  } catch (error) {
    return `is not a valid JSON Schema: ${(error as Error).message}`;
  }
}

/** Validates `value`; returns readable problems ("parameters.seconds must be number"), or []. */
export function validateAgainst(schema: object, value: unknown, root: string): string[] {
  const validate = validatorFor(schema);
  if (validate(value)) return [];
  return (validate.errors ?? []).map((error) => describe(error, root));
}

function describe(error: ErrorObject, root: string): string {
  const path = `${root}${error.instancePath.replace(/\//g, '.')}`;
  if (error.keyword === 'required') {
    return `${path}.${(error.params as { missingProperty: string }).missingProperty} is required`;
  }
  if (error.keyword === 'additionalProperties') {
    return `${path} has unknown property '${(error.params as { additionalProperty: string }).additionalProperty}'`;
  }
  return `${path} ${error.message ?? 'is invalid'}`;
}
