import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/** One Ajv instance for every user-supplied JSON Schema (action parameters, payloads, answers). */
const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: false });
addFormats(ajv);

const compiled = new WeakMap<object, ValidateFunction>();

/** Whether `schema` is itself a usable JSON Schema; returns the problem or undefined. */
export function schemaProblem(schema: unknown): string | undefined {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    return 'must be a JSON Schema object';
  }
  try {
    ajv.compile(schema);
    return undefined;
  } catch (error) {
    return `is not a valid JSON Schema: ${(error as Error).message}`;
  }
}

/** Validates `value`; returns readable problems ("parameters.seconds must be number"), or []. */
export function validateAgainst(schema: object, value: unknown, root: string): string[] {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(value)) return [];
  return (validate.errors ?? []).map((error) => describe(error, root));
}

function describe(error: ErrorObject, root: string): string {
  const path = error.instancePath ? `${root}${error.instancePath.replace(/\//g, '.')}` : root;
  if (error.keyword === 'required') {
    return `${root}${error.instancePath.replace(/\//g, '.')}.${(error.params as { missingProperty: string }).missingProperty} is required`;
  }
  if (error.keyword === 'additionalProperties') {
    return `${path} has unknown property '${(error.params as { additionalProperty: string }).additionalProperty}'`;
  }
  return `${path} ${error.message ?? 'is invalid'}`;
}
