import { useEffect, useState } from 'preact/hooks';
import { ApiError, must, problemsByField } from '../api';
import { ErrorNote, Field, Forbidden, Loading } from '../components/common';
import { useLoad } from '../load';
import { Link, navigate } from '../router';
import { useSession } from '../session-context';
import {
  fromRaw,
  KINDS,
  listOf,
  toRaw,
  type Definition,
  type FieldSpec,
  type ListPath,
  type RefPath,
} from './definition-kinds';
import { RunAction } from './run-action';

function Tabs({ kind }: { kind: string }) {
  return (
    <nav class="tabs" aria-label="Kinds of definitions">
      {Object.entries(KINDS).map(([k, spec]) => (
        <Link key={k} href={`/definitions/${k}`} aria-current={k === kind ? 'page' : undefined}>
          {spec.label}
        </Link>
      ))}
    </nav>
  );
}

function show(value: unknown): string {
  return value === null || value === undefined
    ? ''
    : typeof value === 'string'
      ? value
      : JSON.stringify(value);
}

export function DefinitionsPage({ kind }: { kind: string }) {
  const { api, can } = useSession();
  const spec = KINDS[kind];
  const list = useLoad(() => (spec ? listOf(api, kind) : Promise.resolve(undefined)), [kind]);
  if (!spec) return <p>No such kind of definition: {kind}</p>;
  return (
    <section>
      <h1>Definitions</h1>
      <Tabs kind={kind} />
      {can(`${spec.resource}:write`) && (
        <p>
          <Link class="button" href={`/definitions/${kind}/new`}>
            New {kind.slice(0, -1)}
          </Link>
        </p>
      )}
      <ErrorNote error={list.error} />
      <Loading when={list.loading && !list.data} />
      {list.data && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Ref</th>
                {spec.columns.map((c) => (
                  <th key={c}>{c}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((d) => (
                <tr key={d.ref} data-ref={d.ref}>
                  <td>
                    <Link href={`/definitions/${kind}/${encodeURIComponent(d.ref)}`}>{d.ref}</Link>
                  </td>
                  {spec.columns.map((c) => (
                    <td key={c}>{show(d[c])}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** Create (no ref) or edit (ref) one definition; the API's 400 problems go beside their fields. */
export function DefinitionEditPage({ kind, ref }: { kind: string; ref?: string }) {
  const { api, can } = useSession();
  const spec = KINDS[kind];
  const existing = useLoad(
    () =>
      ref && spec
        ? (must(
            api.GET(`/api/v1/${kind}/{ref}` as RefPath, { params: { path: { ref } } }),
          ) as Promise<Definition>)
        : Promise.resolve(undefined),
    [kind, ref],
  );
  const [raw, setRaw] = useState<Record<string, string>>({});
  const [problems, setProblems] = useState<Record<string, string[]>>({});
  const [saved, setSaved] = useState(false);
  const [failure, setFailure] = useState<unknown>();
  useEffect(() => {
    if (!spec) return;
    const d = existing.data;
    setRaw(
      Object.fromEntries([
        ['ref', ref ?? ''],
        ...spec.fields.map((f) => [f.name, toRaw(f, d?.[f.name])]),
      ]),
    );
  }, [existing.data, kind]);
  if (!spec) return <p>No such kind of definition: {kind}</p>;
  const writable = can(`${spec.resource}:write`, ref);

  const save = async (event: Event) => {
    event.preventDefault();
    setProblems({});
    setSaved(false);
    setFailure(undefined);
    const body: Record<string, unknown> = {};
    for (const f of spec.fields) {
      const v = fromRaw(f, raw[f.name] ?? '');
      if (v !== undefined) body[f.name] = v;
      else if (ref && !f.required) body[f.name] = null;
    }
    try {
      if (ref) {
        await must(
          api.PUT(`/api/v1/${kind}/{ref}` as RefPath, {
            params: { path: { ref } },
            body: body as never,
          }),
        );
        setSaved(true);
        existing.reload();
      } else {
        body.ref = raw.ref;
        await must(api.POST(`/api/v1/${kind}` as ListPath, { body: body as never }));
        navigate(`/definitions/${kind}/${encodeURIComponent(raw.ref)}`, { replace: true });
      }
    } catch (error) {
      if (error instanceof ApiError && error.status === 400) {
        setProblems(problemsByField(error, ['ref', ...spec.fields.map((f) => f.name)]));
      } else setFailure(error);
    }
  };
  const remove = async () => {
    if (!ref || !confirm(`Delete ${ref}?`)) return;
    try {
      await must(api.DELETE(`/api/v1/${kind}/{ref}` as RefPath, { params: { path: { ref } } }));
      navigate(`/definitions/${kind}`);
    } catch (error) {
      setFailure(error);
    }
  };

  const input = (f: FieldSpec) => {
    const id = `def-${f.name}`;
    const common = {
      id,
      name: f.name,
      value: raw[f.name] ?? '',
      disabled: !writable,
      'aria-invalid': problems[f.name] ? true : undefined,
    };
    const set = (v: string) => setRaw((r) => ({ ...r, [f.name]: v }));
    if (f.kind === 'json')
      return <textarea {...common} rows={4} onInput={(e) => set(e.currentTarget.value)} />;
    if (f.kind === 'boolean')
      return (
        <select {...common} onChange={(e) => set(e.currentTarget.value)}>
          <option value="true">true</option>
          <option value="false">false</option>
        </select>
      );
    if (typeof f.kind === 'object')
      return (
        <select {...common} onChange={(e) => set(e.currentTarget.value)}>
          <option value="">—</option>
          {f.kind.choices.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      );
    return (
      <input
        {...common}
        inputMode={f.kind === 'integer' ? 'numeric' : undefined}
        onInput={(e) => set(e.currentTarget.value)}
      />
    );
  };

  return (
    <section>
      <h1>{ref ? `${kind.slice(0, -1)} ${ref}` : `New ${kind.slice(0, -1)}`}</h1>
      <Tabs kind={kind} />
      <ErrorNote error={existing.error} />
      <Loading when={existing.loading && Boolean(ref) && !existing.data} />
      {!ref && !writable ? (
        <Forbidden permission={`${spec.resource}:write`} />
      ) : (
        <form class="card definition" onSubmit={(e) => void save(e)} noValidate>
          <Field label="ref *" id="def-ref" problems={problems.ref}>
            <input
              id="def-ref"
              name="ref"
              value={raw.ref ?? ''}
              disabled={Boolean(ref)}
              placeholder="pack.name"
              onInput={(e) => setRaw((r) => ({ ...r, ref: e.currentTarget.value }))}
            />
          </Field>
          {spec.fields.map((f) => (
            <Field
              key={f.name}
              label={`${f.name}${f.required ? ' *' : ''}`}
              id={`def-${f.name}`}
              hint={f.hint}
              problems={problems[f.name]}
            >
              {input(f)}
            </Field>
          ))}
          {problems['']?.map((p) => (
            <p key={p} class="error" role="alert">
              {p}
            </p>
          ))}
          {writable && (
            <div class="actions">
              <button type="submit">{ref ? 'Save' : 'Create'}</button>
              {ref && (
                <button type="button" class="danger" onClick={() => void remove()}>
                  Delete
                </button>
              )}
            </div>
          )}
          {saved && (
            <p class="ok" role="status">
              Saved.
            </p>
          )}
          <ErrorNote error={failure} />
        </form>
      )}
      {ref && kind === 'actions' && can('executions:run', ref) && <RunAction action={ref} />}
    </section>
  );
}
