import { must, type AttuneClient } from '../api';

export type FieldKind = 'text' | 'json' | 'integer' | 'boolean' | { choices: string[] };
export interface FieldSpec {
  name: string;
  kind: FieldKind;
  required?: boolean;
  hint?: string;
}

/** Each kind of definition, the columns of its list and the fields of its form (DESIGN.md). */
export const KINDS: Record<
  string,
  { label: string; resource: string; columns: string[]; fields: FieldSpec[] }
> = {
  triggers: {
    label: 'Triggers',
    resource: 'triggers',
    columns: ['description'],
    fields: [
      { name: 'description', kind: 'text' },
      { name: 'payload_schema', kind: 'json', hint: 'JSON Schema of the event payload' },
    ],
  },
  rules: {
    label: 'Rules',
    resource: 'rules',
    columns: ['trigger', 'action', 'enabled'],
    fields: [
      { name: 'description', kind: 'text' },
      { name: 'trigger', kind: 'text', required: true },
      { name: 'criteria', kind: 'json', hint: '{ "payload.severity": { "eq": "high" } }' },
      { name: 'action', kind: 'text', required: true },
      { name: 'parameters', kind: 'json', hint: 'Templated with {{ event.payload.… }}' },
      { name: 'enabled', kind: 'boolean' },
    ],
  },
  actions: {
    label: 'Actions',
    resource: 'actions',
    columns: ['runner', 'description'],
    fields: [
      { name: 'description', kind: 'text' },
      {
        name: 'runner',
        kind: { choices: ['shell', 'http', 'echo', 'noop', 'sleep', 'ask', 'workflow'] },
        required: true,
      },
      { name: 'parameters_schema', kind: 'json', hint: 'JSON Schema of the parameters' },
      { name: 'defaults', kind: 'json' },
      { name: 'timeout_ms', kind: 'integer' },
      { name: 'retry_on_worker_loss', kind: 'boolean' },
      { name: 'policy', kind: 'json' },
      { name: 'workflow', kind: 'json', hint: 'With runner workflow: tasks and output' },
    ],
  },
  sensors: {
    label: 'Sensors',
    resource: 'sensors',
    columns: ['type', 'trigger', 'enabled'],
    fields: [
      { name: 'description', kind: 'text' },
      { name: 'type', kind: { choices: ['timer', 'http_poll'] }, required: true },
      { name: 'trigger', kind: 'text', required: true },
      {
        name: 'config',
        kind: 'json',
        required: true,
        hint: '{ "interval_ms": 5000 } or { "cron": "*/5 * * * * *" }',
      },
      { name: 'enabled', kind: 'boolean' },
    ],
  },
};

export type Definition = Record<string, unknown> & { ref: string };
// The four kinds share one shape of routes; the client is typed by one of them.
export type ListPath = '/api/v1/actions';
export type RefPath = '/api/v1/actions/{ref}';

export function listOf(api: AttuneClient, kind: string) {
  return must(
    api.GET(`/api/v1/${kind}` as ListPath, { params: { query: { limit: 200 } } }),
  ) as Promise<{
    items: Definition[];
  }>;
}

export function toRaw(field: FieldSpec, value: unknown): string {
  if (value === null || value === undefined) return field.kind === 'boolean' ? 'true' : '';
  if (field.kind === 'json') return JSON.stringify(value, null, 2);
  return String(value);
}

/** What a field's text becomes in the body; text that does not parse goes as typed (the API says why). */
export function fromRaw(field: FieldSpec, raw: string): unknown {
  if (raw.trim() === '') return undefined;
  if (field.kind === 'json') {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  if (field.kind === 'integer') return Number.isInteger(Number(raw)) ? Number(raw) : raw;
  if (field.kind === 'boolean') return raw === 'true';
  return raw;
}
