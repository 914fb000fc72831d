// Workflow templates: "{{ <expression> }}" where the expression is JSONata (decision 017), e.g.
// "{{ tasks.build.result.stdout }}", "{{ item }}", "{{ $count(input.hosts) }}". A string that is
// exactly one placeholder keeps the JSON type of the value; placeholders inside other text are
// interpolated as strings. Today's "{{ path }}" templates are valid JSONata paths.
//
// Expressions are data evaluated by JSONata's own interpreter: they can read the context and
// call JSONata's built-in functions, never JavaScript. Values in the context (event payloads,
// task results) are never evaluated, only read.
//
// As in rule templates: "{{ secret.<name> }}" is kept as written (the worker resolves it), and
// in `core.shell`'s `cmd` every substituted value is shell-quoted unless the placeholder ends in
// "| raw". A few more filters are written the same way: "| json", "| upper", "| lower",
// "| length".
import jsonata from 'jsonata';
import { SECRET_NAME_PATTERN, shellQuote } from './templating';

export interface ExpressionContext {
  input: Record<string, unknown>;
  tasks: Record<string, { status: string; result: unknown }>;
  item?: unknown;
  event?: unknown;
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const WHOLE_PLACEHOLDER = /^\{\{\s*([^{}]*?)\s*\}\}$/;
const FILTERS = ['raw', 'json', 'upper', 'lower', 'length'] as const;
type Filter = (typeof FILTERS)[number];
const TRAILING_FILTER = new RegExp(`\\|\\s*(${FILTERS.join('|')})\\s*$`);
const SECRET_REFERENCE = /^secret\.(\S+)$/;
/**
 * What one evaluation may take (JSONata's own guardrails): an expression written to run for
 * hours, or to build a list of millions, fails with a message instead of stalling the executor
 * (conductor steps run on its event loop).
 */
const EVALUATION_LIMITS = { timeout: 100, stack: 200, sequence: 100_000 };
/** `$eval` would turn a string (a task result, an input) into an expression: data is not code. */
const BINDINGS = {
  eval: () => {
    throw new Error('$eval is not available: values are data, never expressions');
  },
};
/** Compiled expressions, bounded: definitions are few, their expressions are reused a lot. */
const COMPILED_LIMIT = 2000;
const compiled = new Map<string, jsonata.Expression>();

interface Placeholder {
  expression: string;
  filters: Filter[];
}

/** "a.b | upper | raw" → expression "a.b", filters [upper, raw] (applied left to right). */
function parsePlaceholder(text: string): Placeholder {
  const filters: Filter[] = [];
  let rest = text.trim();
  for (let match = TRAILING_FILTER.exec(rest); match; match = TRAILING_FILTER.exec(rest)) {
    filters.unshift(match[1] as Filter);
    rest = rest.slice(0, match.index).trim();
  }
  return { expression: rest, filters };
}

function compile(expression: string): jsonata.Expression {
  let found = compiled.get(expression);
  if (!found) {
    found = jsonata(expression, EVALUATION_LIMITS);
    if (compiled.size >= COMPILED_LIMIT) compiled.delete(compiled.keys().next().value!);
    compiled.set(expression, found);
  }
  return found;
}

/** The problem with one placeholder's text, or undefined when it compiles. */
export function placeholderProblem(text: string): string | undefined {
  const { expression } = parsePlaceholder(text);
  if (expression === '') return 'the expression is empty';
  const secret = SECRET_REFERENCE.exec(expression);
  if (secret) {
    return SECRET_NAME_PATTERN.test(secret[1])
      ? undefined
      : 'a secret name is letters, digits, _ and -';
  }
  try {
    compile(expression);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Problems with every placeholder in `template` (any JSON), each naming where it is. */
export function templateProblems(template: unknown, location: string): string[] {
  const problems: string[] = [];
  walkStrings(template, location, (text, where) => {
    for (const match of text.matchAll(PLACEHOLDER)) {
      const problem = placeholderProblem(match[1]);
      if (problem) problems.push(`bad template "${match[0]}" at ${where}: ${problem}`);
    }
    // Braces left after taking out the placeholders: an unclosed or malformed one.
    const rest = text.replace(PLACEHOLDER, '');
    if (rest.includes('{{') || rest.includes('}}')) {
      problems.push(`bad template at ${where}: unbalanced "{{" or "}}"`);
    }
  });
  return problems;
}

export function isWholePlaceholder(text: string): boolean {
  return WHOLE_PLACEHOLDER.test(text);
}

/** Copies JSONata's result into plain JSON (its sequences carry extra properties). */
function plainJson(value: unknown): unknown {
  return value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as unknown);
}

function stringify(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

function applyFilter(filter: Filter, value: unknown): unknown {
  switch (filter) {
    case 'json':
      return JSON.stringify(value ?? null);
    case 'upper':
      return stringify(value).toUpperCase();
    case 'lower':
      return stringify(value).toLowerCase();
    case 'length':
      return Array.isArray(value) ? value.length : stringify(value).length;
    case 'raw':
      return value;
  }
}

async function evaluatePlaceholder(
  text: string,
  context: ExpressionContext,
  quoted: boolean,
  whole: boolean,
): Promise<unknown> {
  const { expression, filters } = parsePlaceholder(text);
  const secret = SECRET_REFERENCE.exec(expression);
  if (secret) return filters.includes('raw') ? `{{ ${expression} | raw }}` : `{{ ${expression} }}`;
  let value = plainJson(await compile(expression).evaluate(context, BINDINGS));
  for (const filter of filters) value = applyFilter(filter, value);
  const raw = filters.includes('raw');
  if (quoted && !raw)
    return value === undefined && whole ? undefined : shellQuote(stringify(value));
  return whole ? value : stringify(value);
}

async function renderString(
  text: string,
  context: ExpressionContext,
  quoted: boolean,
): Promise<unknown> {
  const whole = WHOLE_PLACEHOLDER.exec(text);
  if (whole) return evaluatePlaceholder(whole[1], context, quoted, true);
  const parts: string[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    parts.push(text.slice(last, match.index));
    parts.push(String(await evaluatePlaceholder(match[1], context, quoted, false)));
    last = match.index + match[0].length;
  }
  parts.push(text.slice(last));
  return parts.join('');
}

async function renderValue(
  template: unknown,
  context: ExpressionContext,
  quoted: boolean,
): Promise<unknown> {
  if (typeof template === 'string') return renderString(template, context, quoted);
  if (Array.isArray(template)) {
    const items = await Promise.all(template.map((item) => renderValue(item, context, quoted)));
    return items.map((item) => (item === undefined ? null : item));
  }
  if (isPlainObject(template)) {
    const entries: [string, unknown][] = [];
    for (const [key, value] of Object.entries(template)) {
      const rendered = await renderValue(value, context, quoted);
      if (rendered !== undefined) entries.push([key, rendered]);
    }
    return Object.fromEntries(entries);
  }
  return template;
}

/**
 * Renders a template (any JSON) against the context; a new value, the template is not changed.
 * `shellQuoted` names the top-level key whose substitutions are shell-quoted (`cmd`).
 * Throws when an expression fails at run time (the task then fails, naming it).
 */
export async function renderExpressions(
  template: unknown,
  context: ExpressionContext,
  options: { shellQuoted?: string } = {},
): Promise<unknown> {
  if (options.shellQuoted && isPlainObject(template)) {
    const entries: [string, unknown][] = [];
    for (const [key, value] of Object.entries(template)) {
      const rendered = await renderValue(value, context, key === options.shellQuoted);
      if (rendered !== undefined) entries.push([key, rendered]);
    }
    return Object.fromEntries(entries);
  }
  return renderValue(template, context, false);
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const proto: unknown = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function walkStrings(
  template: unknown,
  location: string,
  visit: (text: string, location: string) => void,
): void {
  if (typeof template === 'string') visit(template, location);
  else if (Array.isArray(template)) {
    template.forEach((item, i) => walkStrings(item, `${location}[${i}]`, visit));
  } else if (isPlainObject(template)) {
    for (const [key, value] of Object.entries(template)) {
      walkStrings(value, `${location}.${key}`, visit);
    }
  }
}
