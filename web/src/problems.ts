// What the API refused and why, placed where the person can fix it. No DOM here: the unit tests
// load it in Node.
import type { ApiErrorBody } from '../../src/client/attune-client';

/** A refused or failed call, with the API's own error body when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body?: ApiErrorBody,
  ) {
    super(body?.message ?? (status === 0 ? 'the API cannot be reached' : `HTTP ${status}`));
  }

  /** Each problem the API listed (details), or its one message. */
  get problems(): string[] {
    return this.body?.details?.length ? this.body.details : [this.message];
  }
}

/**
 * Puts each problem of a 400 beside the field it names: "ref must look like pack.name" belongs
 * to `ref`, "response.approve must be boolean" to `response.approve`. The longest field name that
 * starts a problem wins; what no field claims is returned under "" for the form as a whole.
 */
export function problemsByField(error: unknown, fields: string[]): Record<string, string[]> {
  const byField: Record<string, string[]> = {};
  const problems = error instanceof ApiError ? error.problems : [String(error)];
  const sorted = [...fields].sort((a, b) => b.length - a.length);
  for (const problem of problems) {
    const required = /^(\S+) must have required property '([^']+)'/.exec(problem);
    const named = required ? `${required[1]}.${required[2]}` : undefined;
    const field =
      (named && fields.includes(named) ? named : undefined) ??
      sorted.find(
        (f) => problem === f || problem.startsWith(`${f} `) || problem.startsWith(`${f}.`),
      );
    (byField[field ?? ''] ??= []).push(problem);
  }
  return byField;
}
