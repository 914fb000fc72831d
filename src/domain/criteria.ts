// Rule criteria evaluated against an event, e.g.
//   { "payload.severity": { "eq": "high" }, "payload.count": { "gt": 3 } }
// Every path and every operator under it must hold (AND). Evaluation fails closed: anything that
// validateCriteria would reject never matches, so a malformed rule stays silent instead of firing
// on every event.

export const CRITERIA_OPERATORS = [
  'eq',
  'neq',
  'gt',
  'gte',
  'lt',
  'lte',
  'in',
  'contains',
  'regex',
  'exists',
] as const;

export type CriteriaOperator = (typeof CRITERIA_OPERATORS)[number];

export interface ConditionSet {
  eq?: unknown;
  neq?: unknown;
  gt?: number | string;
  gte?: number | string;
  lt?: number | string;
  lte?: number | string;
  in?: unknown[];
  contains?: unknown;
  regex?: string;
  exists?: boolean;
}

export type Criteria = Record<string, ConditionSet>;

const OPERATOR_LIST = CRITERIA_OPERATORS.join(', ');
const ORDERING_OPERATORS: readonly CriteriaOperator[] = ['gt', 'gte', 'lt', 'lte'];
const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/;

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isOperator(x: string): x is CriteriaOperator {
  return (CRITERIA_OPERATORS as readonly string[]).includes(x);
}

// Resolves a dotted path ("payload.items.0.name"); undefined when any step is missing. Only own
// properties are followed so "__proto__" or "constructor" can never reach into prototypes, and
// arrays are entered only through numeric indices. An empty path is the object itself.
export function getPath(obj: unknown, path: string): unknown {
  if (path === '') return obj;
  let current: unknown = obj;
  for (const segment of path.split('.')) {
    if (Array.isArray(current)) {
      if (!ARRAY_INDEX.test(segment)) return undefined;
      current = current[Number(segment)];
    } else if (isRecord(current)) {
      if (!Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
      current = current[segment];
    } else {
      return undefined;
    }
  }
  return current;
}

// Structural equality for JSON values: objects compare by keys regardless of order.
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = Object.keys(ra);
  if (keys.length !== Object.keys(rb).length) return false;
  return keys.every(
    (key) => Object.prototype.hasOwnProperty.call(rb, key) && deepEqual(ra[key], rb[key]),
  );
}

// Bounded cache so a hot rule does not recompile its pattern for every event; null marks a pattern
// that failed to compile, so it is not retried either.
const REGEX_CACHE_LIMIT = 500;
const regexCache = new Map<string, RegExp | null>();

function compileRegex(pattern: string): RegExp | null {
  const cached = regexCache.get(pattern);
  if (cached !== undefined) return cached;
  let compiled: RegExp | null;
  try {
    // No 'g' or 'y' flag: test() on such a regex is stateless, so sharing instances is safe.
    compiled = new RegExp(pattern);
  } catch {
    compiled = null;
  }
  if (regexCache.size >= REGEX_CACHE_LIMIT) {
    const oldest = regexCache.keys().next().value;
    if (oldest !== undefined) regexCache.delete(oldest);
  }
  regexCache.set(pattern, compiled);
  return compiled;
}

// Ordering only within one type: "10" vs 9 would otherwise compare by JS coercion rules.
function compareOrdered(value: unknown, operand: unknown): number | undefined {
  if (typeof value === 'number' && typeof operand === 'number') {
    if (Number.isNaN(value) || Number.isNaN(operand)) return undefined;
    return value < operand ? -1 : value > operand ? 1 : 0;
  }
  if (typeof value === 'string' && typeof operand === 'string') {
    return value < operand ? -1 : value > operand ? 1 : 0;
  }
  return undefined;
}

function evaluate(op: CriteriaOperator, operand: unknown, value: unknown): boolean {
  const missing = value === undefined;
  switch (op) {
    case 'exists':
      if (typeof operand !== 'boolean') return false;
      return operand ? !missing : missing;
    case 'neq':
      return missing || !deepEqual(value, operand);
    case 'eq':
      return !missing && deepEqual(value, operand);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const cmp = compareOrdered(value, operand);
      if (cmp === undefined) return false;
      if (op === 'gt') return cmp > 0;
      if (op === 'gte') return cmp >= 0;
      if (op === 'lt') return cmp < 0;
      return cmp <= 0;
    }
    case 'in':
      return !missing && Array.isArray(operand) && operand.some((item) => deepEqual(value, item));
    case 'contains':
      if (typeof value === 'string') return typeof operand === 'string' && value.includes(operand);
      if (Array.isArray(value)) return value.some((item) => deepEqual(item, operand));
      return false;
    case 'regex': {
      if (typeof value !== 'string' || typeof operand !== 'string') return false;
      const re = compileRegex(operand);
      return re !== null && re.test(value);
    }
  }
}

// subject is the event as rules see it, e.g. { trigger: 'demo.alert', payload: {...} }.
export function matchesCriteria(
  criteria: Criteria | null | undefined,
  subject: Record<string, unknown>,
): boolean {
  if (criteria === null || criteria === undefined) return true;
  if (!isRecord(criteria)) return false;
  for (const [path, condition] of Object.entries(criteria)) {
    if (!isRecord(condition)) return false;
    const entries = Object.entries(condition);
    if (entries.length === 0) return false;
    const value = getPath(subject, path);
    for (const [op, operand] of entries) {
      if (!isOperator(op) || !evaluate(op, operand, value)) return false;
    }
  }
  return true;
}

function describePath(path: string): string {
  return `criteria[${JSON.stringify(path)}]`;
}

// Human-readable problems with a criteria object, for the API to return as a 400; [] when valid.
export function validateCriteria(criteria: unknown): string[] {
  if (criteria === null || criteria === undefined) return [];
  if (!isRecord(criteria)) {
    return ['criteria must be an object mapping event paths to conditions'];
  }
  const errors: string[] = [];
  for (const [path, condition] of Object.entries(criteria)) {
    const where = describePath(path);
    if (path === '' || path.split('.').some((segment) => segment === '')) {
      errors.push(`${where} is not a valid path; use dotted segments such as "payload.severity"`);
    }
    if (!isRecord(condition)) {
      errors.push(`${where} must be an object of operators (${OPERATOR_LIST})`);
      continue;
    }
    const entries = Object.entries(condition);
    if (entries.length === 0) {
      errors.push(`${where} must contain at least one operator (${OPERATOR_LIST})`);
      continue;
    }
    for (const [op, operand] of entries) {
      if (!isOperator(op)) {
        errors.push(`${where} has unknown operator "${op}"; valid operators are ${OPERATOR_LIST}`);
        continue;
      }
      const at = `${where}.${op}`;
      if (ORDERING_OPERATORS.includes(op)) {
        const ok =
          (typeof operand === 'number' && !Number.isNaN(operand)) || typeof operand === 'string';
        if (!ok) errors.push(`${at} must be a number or a string`);
      } else if (op === 'in') {
        if (!Array.isArray(operand)) errors.push(`${at} must be an array`);
      } else if (op === 'regex') {
        if (typeof operand !== 'string') {
          errors.push(`${at} must be a string`);
        } else {
          try {
            new RegExp(operand);
          } catch (err) {
            const reason = err instanceof Error ? err.message : String(err);
            errors.push(`${at} is not a valid regular expression: ${reason}`);
          }
        }
      } else if (op === 'exists') {
        if (typeof operand !== 'boolean') errors.push(`${at} must be true or false`);
      } else if (operand === undefined) {
        errors.push(`${at} must have a value`);
      }
    }
  }
  return errors;
}
