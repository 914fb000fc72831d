import { schemaProblem, validateAgainst } from './json-schema';

/**
 * User-supplied JSON Schemas all compile into one shared Ajv instance, where an `$id` is
 * registered globally: a second schema (or a re-read copy) with the same `$id` would fail to
 * compile. Until the shared compiler isolates schemas, the API refuses `$id`.
 */
export function userSchemaProblem(schema: unknown, field: string): string | undefined {
  if (declaresId(schema)) {
    return `${field} must not declare $id (schemas are compiled side by side and ids would clash)`;
  }
  const problem = schemaProblem(schema);
  return problem ? `${field} ${problem}` : undefined;
}

/** validateAgainst, with a schema that cannot be compiled reported as a problem, not thrown. */
export function checkAgainst(schema: object, value: unknown, root: string): string[] {
  try {
    return validateAgainst(schema, value, root);
  } catch (error) {
    return [`${root} cannot be checked, its schema does not compile: ${(error as Error).message}`];
  }
}

function declaresId(schema: unknown): boolean {
  const pending: unknown[] = [schema];
  while (pending.length > 0) {
    const current = pending.pop();
    if (typeof current !== 'object' || current === null) continue;
    for (const [key, child] of Object.entries(current)) {
      if (key === '$id' && typeof child === 'string') return true;
      pending.push(child);
    }
  }
  return false;
}
