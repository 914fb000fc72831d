import { useState } from 'preact/hooks';
import { Field } from './common';

/** The part of JSON Schema the form understands; anything else is edited as JSON. */
interface PropertySchema {
  type?: string | string[];
  enum?: unknown[];
  title?: string;
  description?: string;
  default?: unknown;
}

interface ObjectSchema {
  type?: string;
  properties?: Record<string, PropertySchema>;
  required?: string[];
}

type Kind = 'boolean' | 'number' | 'enum' | 'string' | 'json';

function kindOf(schema: PropertySchema): Kind {
  if (schema.enum) return 'enum';
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (type === 'boolean') return 'boolean';
  if (type === 'number' || type === 'integer') return 'number';
  if (type === 'string') return 'string';
  return 'json';
}

/**
 * Turns what was typed into the value sent. Nothing typed means the property is left out; a
 * value that does not parse is sent as typed, so the API (the one validator) says what is wrong.
 */
function valueOf(kind: Kind, raw: string): unknown {
  if (raw === '') return undefined;
  if (kind === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  if (kind === 'number')
    return raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  if (kind === 'enum' || kind === 'json') {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  return raw;
}

/** The field names the form has, for placing the API's problems (`<prefix>.<property>`). */
export function schemaFields(schema: unknown, prefix: string): string[] {
  const properties = (schema as ObjectSchema | null)?.properties;
  return properties ? [prefix, ...Object.keys(properties).map((p) => `${prefix}.${p}`)] : [prefix];
}

/**
 * A form generated from an object schema: a control per property (choices for booleans and
 * enums, text for strings and numbers, JSON for the rest). Without properties, one JSON field.
 */
export function SchemaForm(props: {
  schema: unknown;
  prefix: string;
  problems: Record<string, string[]>;
  disabled?: boolean;
  submitLabel: string;
  onSubmit(value: unknown): void;
}) {
  const schema = (props.schema ?? {}) as ObjectSchema;
  const properties = schema.properties ?? {};
  const names = Object.keys(properties);
  const [raw, setRaw] = useState<Record<string, string>>({});
  const set = (name: string, value: string) => setRaw((r) => ({ ...r, [name]: value }));
  const id = (name: string) => `${props.prefix}-${name}`.replace(/[^a-zA-Z0-9_-]/g, '-');

  const submit = (event: Event) => {
    event.preventDefault();
    if (names.length === 0) return props.onSubmit(valueOf('json', raw[''] ?? ''));
    const value: Record<string, unknown> = {};
    for (const name of names) {
      const v = valueOf(kindOf(properties[name]), raw[name] ?? '');
      if (v !== undefined) value[name] = v;
    }
    props.onSubmit(value);
  };

  return (
    <form onSubmit={submit} class="schema-form" noValidate>
      {names.length === 0 ? (
        <Field label="Answer (JSON)" id={id('json')} problems={props.problems[props.prefix]}>
          <textarea
            id={id('json')}
            name={props.prefix}
            rows={4}
            value={raw[''] ?? ''}
            onInput={(e) => set('', e.currentTarget.value)}
          />
        </Field>
      ) : (
        names.map((name) => {
          const property = properties[name];
          const kind = kindOf(property);
          const fieldId = id(name);
          const required = schema.required?.includes(name);
          const label = `${property.title ?? name}${required ? ' *' : ''}`;
          const common = {
            id: fieldId,
            name: `${props.prefix}.${name}`,
            value: raw[name] ?? '',
            'aria-invalid': props.problems[`${props.prefix}.${name}`] ? true : undefined,
          };
          return (
            <Field
              key={name}
              label={label}
              id={fieldId}
              hint={property.description}
              problems={props.problems[`${props.prefix}.${name}`]}
            >
              {kind === 'boolean' ? (
                <select {...common} onChange={(e) => set(name, e.currentTarget.value)}>
                  <option value="">—</option>
                  <option value="true">yes (true)</option>
                  <option value="false">no (false)</option>
                </select>
              ) : kind === 'enum' ? (
                <select {...common} onChange={(e) => set(name, e.currentTarget.value)}>
                  <option value="">—</option>
                  {property.enum!.map((choice) => (
                    <option key={JSON.stringify(choice)} value={JSON.stringify(choice)}>
                      {String(choice)}
                    </option>
                  ))}
                </select>
              ) : kind === 'json' ? (
                <textarea
                  {...common}
                  rows={3}
                  placeholder="JSON"
                  onInput={(e) => set(name, e.currentTarget.value)}
                />
              ) : (
                <input
                  {...common}
                  type="text"
                  inputMode={kind === 'number' ? 'decimal' : undefined}
                  onInput={(e) => set(name, e.currentTarget.value)}
                />
              )}
            </Field>
          );
        })
      )}
      {props.problems['']?.length ? (
        <ul class="problems" role="alert">
          {props.problems[''].map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      ) : null}
      <button type="submit" disabled={props.disabled}>
        {props.submitLabel}
      </button>
    </form>
  );
}
