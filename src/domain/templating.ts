// Action parameters templated from the triggering event with placeholders such as
// "{{ event.payload.x }}", "{{ event.trigger }}", "{{ event.id }}" and "{{ rule.ref }}". A string
// that is exactly one placeholder keeps the JSON type of the value; placeholders inside other text
// are interpolated as strings.
//
// "{{ secret.<name> }}" is not resolved here: it stays in the parameters as written and the
// worker puts the value in just before the action runs (resolveSecretReferences), so stored
// parameters and messages never hold the value. Values from events are data: a reference that
// arrives inside one is never resolved (injectedSecretReferences finds it).
//
// Shell commands: in `core.shell`'s `cmd`, every substituted value is shell-quoted, so event data
// cannot become shell syntax; a placeholder opts out with "| raw".
import { getPath } from './criteria';

export interface TemplateContext {
  event: { id?: string; trigger: string; payload: unknown };
  rule?: { ref: string };
}

export interface RenderOptions {
  /** Top-level parameter whose substitutions are shell-quoted (`cmd` for the shell runner). */
  shellQuoted?: string;
}

// [^{}] keeps one placeholder from swallowing the next ("{{ a }} {{ b }}").
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const WHOLE_PLACEHOLDER = /^\{\{\s*([^{}]*?)\s*\}\}$/;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const EXACT_ROOTS = ['event.trigger', 'event.id', 'rule.ref'];
const PAYLOAD_ROOT = 'event.payload';
const SECRET_ROOT = 'secret.';
/** Names of secrets as templates reference them (also what the secrets API accepts). */
export const SECRET_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]{0,99}$/;
const FILTERS = ['raw'];
const USAGE =
  'use event.payload.<path>, event.trigger, event.id, rule.ref or secret.<name>, ' +
  'optionally followed by | raw';

type Problem = 'unknown' | 'empty-segment' | 'bad-secret-name' | 'unknown-filter';

interface Expression {
  path: string;
  raw: boolean;
  filters: string[];
}

function parseExpression(text: string): Expression {
  const [path, ...filters] = text.split('|').map((part) => part.trim());
  return { path, raw: filters.includes('raw'), filters };
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const proto: unknown = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function problemWith(text: string): Problem | undefined {
  const { path, filters } = parseExpression(text);
  if (filters.some((filter) => !FILTERS.includes(filter))) return 'unknown-filter';
  if (path.startsWith(SECRET_ROOT)) {
    return SECRET_NAME_PATTERN.test(path.slice(SECRET_ROOT.length)) ? undefined : 'bad-secret-name';
  }
  const known =
    EXACT_ROOTS.includes(path) || path === PAYLOAD_ROOT || path.startsWith(`${PAYLOAD_ROOT}.`);
  if (!known) return 'unknown';
  if (path.split('.').some((segment) => segment === '')) return 'empty-segment';
  return undefined;
}

/** The name a `secret.<name>` expression refers to, or undefined for any other expression. */
function secretName(expression: Expression): string | undefined {
  if (!expression.path.startsWith(SECRET_ROOT)) return undefined;
  const name = expression.path.slice(SECRET_ROOT.length);
  return SECRET_NAME_PATTERN.test(name) ? name : undefined;
}

// Only the documented roots resolve, so "{{ event }}" or "{{ rule }}" cannot leak whole objects
// that validateTemplate would have rejected anyway.
function resolve(expression: Expression, ctx: TemplateContext): unknown {
  if (problemWith(expression.path) !== undefined) return undefined;
  return getPath(ctx, expression.path);
}

// Copies JSON containers so the rendered parameters never alias the event payload.
function cloneJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cloneJson);
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cloneJson(v)]));
  }
  return value;
}

function stringify(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

/** POSIX single quotes: the shell reads what is inside as one literal word. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A secret placeholder as it stays in rendered parameters (normalised spacing). */
function secretPlaceholder(name: string, raw: boolean): string {
  return raw ? `{{ secret.${name} | raw }}` : `{{ secret.${name} }}`;
}

// undefined means "placeholder resolved to nothing"; the container decides what that becomes.
function renderValue(template: unknown, ctx: TemplateContext, quoted: boolean): unknown {
  if (typeof template === 'string') {
    const whole = WHOLE_PLACEHOLDER.exec(template);
    if (whole) {
      const expression = parseExpression(whole[1]);
      const secret = secretName(expression);
      if (secret !== undefined) return secretPlaceholder(secret, expression.raw);
      const value = cloneJson(resolve(expression, ctx));
      return quoted && !expression.raw && value !== undefined
        ? shellQuote(stringify(value))
        : value;
    }
    return template.replace(PLACEHOLDER, (_match, text: string) => {
      const expression = parseExpression(text);
      const secret = secretName(expression);
      if (secret !== undefined) return secretPlaceholder(secret, expression.raw);
      const value = stringify(resolve(expression, ctx));
      return quoted && !expression.raw ? shellQuote(value) : value;
    });
  }
  if (Array.isArray(template)) {
    // null keeps later elements at their positions.
    return template.map((item) => {
      const rendered = renderValue(item, ctx, quoted);
      return rendered === undefined ? null : rendered;
    });
  }
  if (isPlainObject(template)) {
    // Omitting the key lets the action's defaults apply. fromEntries defines own properties, so a
    // "__proto__" key stays data rather than replacing the prototype.
    const entries: [string, unknown][] = [];
    for (const [key, value] of Object.entries(template)) {
      const rendered = renderValue(value, ctx, quoted);
      if (rendered !== undefined) entries.push([key, rendered]);
    }
    return Object.fromEntries(entries);
  }
  return template;
}

// Renders a parameters template against the event. Returns a new value; the input is not mutated.
// A top-level whole placeholder whose path is missing yields undefined.
export function renderTemplate(
  template: unknown,
  ctx: TemplateContext,
  options: RenderOptions = {},
): unknown {
  if (options.shellQuoted && isPlainObject(template)) {
    const entries = Object.entries(template).flatMap(([key, value]): [string, unknown][] => {
      const rendered = renderValue(value, ctx, key === options.shellQuoted);
      return rendered === undefined ? [] : [[key, rendered]];
    });
    return Object.fromEntries(entries);
  }
  return renderValue(template, ctx, false);
}

function walkStrings(
  template: unknown,
  location: string,
  visit: (text: string, location: string) => void,
): void {
  if (typeof template === 'string') {
    visit(template, location);
  } else if (Array.isArray(template)) {
    template.forEach((item, i) => walkStrings(item, `${location}[${i}]`, visit));
  } else if (isPlainObject(template)) {
    for (const [key, value] of Object.entries(template)) {
      const child = IDENTIFIER.test(key)
        ? `${location}.${key}`
        : `${location}[${JSON.stringify(key)}]`;
      walkStrings(value, child, visit);
    }
  }
}

function expressionsIn(text: string): string[] {
  return Array.from(text.matchAll(PLACEHOLDER), (m) => m[1]);
}

// Distinct placeholder expressions in order of first appearance, e.g. ['event.payload.host'].
export function findTemplatePaths(template: unknown): string[] {
  const found = new Set<string>();
  walkStrings(template, '', (text) => {
    for (const expr of expressionsIn(text)) found.add(expr);
  });
  return [...found];
}

// Messages for placeholders that cannot resolve, for the API to return as a 400; [] when valid.
// `root` names the template in messages ("parameters.msg").
export function validateTemplate(template: unknown, root = 'parameters'): string[] {
  const errors: string[] = [];
  walkStrings(template, root, (text, location) => {
    for (const expr of expressionsIn(text)) {
      const problem = problemWith(expr);
      const shown = expr === '' ? '"{{ }}"' : `"{{ ${expr} }}"`;
      if (problem === 'unknown') {
        errors.push(`unknown placeholder ${shown} at ${location}; ${USAGE}`);
      } else if (problem === 'empty-segment') {
        errors.push(`invalid placeholder ${shown} at ${location}: the path has an empty segment`);
      } else if (problem === 'bad-secret-name') {
        errors.push(
          `invalid placeholder ${shown} at ${location}: a secret name is letters, digits, _ and -`,
        );
      } else if (problem === 'unknown-filter') {
        errors.push(
          `invalid placeholder ${shown} at ${location}: the only filter is "raw" (no shell quoting)`,
        );
      }
    }
  });
  return errors;
}

/** Names of the secrets `value` references, once each, in order of first appearance. */
export function secretNamesIn(value: unknown): string[] {
  return [...new Set(secretReferencesIn(value))];
}

function secretReferencesIn(value: unknown): string[] {
  const names: string[] = [];
  walkStrings(value, '', (text) => {
    for (const expr of expressionsIn(text)) {
      const name = secretName(parseExpression(expr));
      if (name !== undefined) names.push(name);
    }
  });
  return names;
}

/**
 * Secret references in `rendered` that the template did not write: they came in with event data
 * and must not be resolved (it would let whoever sends an event read any secret).
 */
export function injectedSecretReferences(template: unknown, rendered: unknown): string[] {
  const written = new Map<string, number>();
  for (const name of secretReferencesIn(template)) written.set(name, (written.get(name) ?? 0) + 1);
  const injected: string[] = [];
  for (const name of secretReferencesIn(rendered)) {
    const left = written.get(name) ?? 0;
    if (left > 0) written.set(name, left - 1);
    else injected.push(name);
  }
  return [...new Set(injected)];
}

/**
 * Puts secret values into `parameters` where they reference them (on the worker, just before the
 * action runs). In `shellQuoted`'s string each value is shell-quoted unless `| raw`.
 */
export function resolveSecretReferences(
  parameters: Record<string, unknown>,
  values: ReadonlyMap<string, string>,
  options: RenderOptions = {},
): Record<string, unknown> {
  const substitute = (text: string, quoted: boolean): string => {
    const whole = WHOLE_PLACEHOLDER.exec(text);
    const replace = (expressionText: string, original: string): string => {
      const expression = parseExpression(expressionText);
      const name = secretName(expression);
      const value = name === undefined ? undefined : values.get(name);
      if (value === undefined) return original;
      return quoted && !expression.raw ? shellQuote(value) : value;
    };
    if (whole) return replace(whole[1], text);
    return text.replace(PLACEHOLDER, (match, expressionText: string) =>
      replace(expressionText, match),
    );
  };
  const walk = (value: unknown, quoted: boolean): unknown => {
    if (typeof value === 'string') return substitute(value, quoted);
    if (Array.isArray(value)) return value.map((item) => walk(item, quoted));
    if (isPlainObject(value)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, quoted)]));
    }
    return value;
  };
  return Object.fromEntries(
    Object.entries(parameters).map(([key, value]) => [
      key,
      walk(value, key === options.shellQuoted),
    ]),
  );
}
