// Action parameters templated from the triggering event with placeholders such as
// "{{ event.payload.x }}", "{{ event.trigger }}", "{{ event.id }}" and "{{ rule.ref }}". A string
// that is exactly one placeholder keeps the JSON type of the value; placeholders inside other text
// are interpolated as strings.
import { getPath } from './criteria';

export interface TemplateContext {
  event: { id?: string; trigger: string; payload: unknown };
  rule?: { ref: string };
}

// [^{}] keeps one placeholder from swallowing the next ("{{ a }} {{ b }}").
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const WHOLE_PLACEHOLDER = /^\{\{\s*([^{}]*?)\s*\}\}$/;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const EXACT_ROOTS = ['event.trigger', 'event.id', 'rule.ref'];
const PAYLOAD_ROOT = 'event.payload';
const USAGE = 'use event.payload.<path>, event.trigger, event.id or rule.ref';

type Problem = 'unknown' | 'empty-segment';

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const proto: unknown = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function problemWith(expr: string): Problem | undefined {
  const known =
    EXACT_ROOTS.includes(expr) || expr === PAYLOAD_ROOT || expr.startsWith(`${PAYLOAD_ROOT}.`);
  if (!known) return 'unknown';
  if (expr.split('.').some((segment) => segment === '')) return 'empty-segment';
  return undefined;
}

// Only the documented roots resolve, so "{{ event }}" or "{{ rule }}" cannot leak whole objects
// that validateTemplate would have rejected anyway.
function resolve(expr: string, ctx: TemplateContext): unknown {
  if (problemWith(expr) !== undefined) return undefined;
  return getPath(ctx, expr);
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

// undefined means "placeholder resolved to nothing"; the container decides what that becomes.
function renderValue(template: unknown, ctx: TemplateContext): unknown {
  if (typeof template === 'string') {
    const whole = WHOLE_PLACEHOLDER.exec(template);
    if (whole) return cloneJson(resolve(whole[1], ctx));
    return template.replace(PLACEHOLDER, (_match, expr: string) => stringify(resolve(expr, ctx)));
  }
  if (Array.isArray(template)) {
    // null keeps later elements at their positions.
    return template.map((item) => {
      const rendered = renderValue(item, ctx);
      return rendered === undefined ? null : rendered;
    });
  }
  if (isPlainObject(template)) {
    // Omitting the key lets the action's defaults apply. fromEntries defines own properties, so a
    // "__proto__" key stays data rather than replacing the prototype.
    const entries: [string, unknown][] = [];
    for (const [key, value] of Object.entries(template)) {
      const rendered = renderValue(value, ctx);
      if (rendered !== undefined) entries.push([key, rendered]);
    }
    return Object.fromEntries(entries);
  }
  return template;
}

// Renders a parameters template against the event. Returns a new value; the input is not mutated.
// A top-level whole placeholder whose path is missing yields undefined.
export function renderTemplate(template: unknown, ctx: TemplateContext): unknown {
  return renderValue(template, ctx);
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
      }
    }
  });
  return errors;
}
