import { useState } from 'preact/hooks';
import { must, problemsByField, type Schemas } from '../api';
import { ErrorNote, Field, Loading, Time } from '../components/common';
import { useLoad } from '../load';
import { useSession } from '../session-context';

/** API keys (admin): list, create (the key is shown once), revoke. */
export function KeysPage() {
  const { api, can } = useSession();
  const keys = useLoad(
    () => must(api.GET('/api/v1/keys', { params: { query: { limit: 200 } } })),
    [],
  );
  const roles = useLoad(
    () => (can('roles:read') ? must(api.GET('/api/v1/roles')) : Promise.resolve(undefined)),
    [],
  );
  const [form, setForm] = useState({ name: '', role: 'viewer', expires_at: '' });
  const [problems, setProblems] = useState<Record<string, string[]>>({});
  const [created, setCreated] = useState<Schemas['CreatedKey']>();
  const [failure, setFailure] = useState<unknown>();

  const create = async (event: Event) => {
    event.preventDefault();
    setProblems({});
    setCreated(undefined);
    try {
      setCreated(
        await must(
          api.POST('/api/v1/keys', {
            body: {
              name: form.name,
              role: form.role,
              ...(form.expires_at ? { expires_at: new Date(form.expires_at).toISOString() } : {}),
            },
          }),
        ),
      );
      keys.reload();
    } catch (error) {
      setProblems(problemsByField(error, ['name', 'role', 'expires_at']));
    }
  };
  const revoke = async (id: string, name: string) => {
    if (!confirm(`Revoke key '${name}'? Every process refuses it within 2 seconds.`)) return;
    setFailure(undefined);
    try {
      await must(api.DELETE('/api/v1/keys/{id}', { params: { path: { id } } }));
      keys.reload();
    } catch (error) {
      setFailure(error);
    }
  };

  const roleNames = roles.data?.items.map((r) => r.name) ?? [
    'viewer',
    'operator',
    'editor',
    'admin',
  ];
  return (
    <section>
      <h1>Keys</h1>
      {can('keys:write') && (
        <form class="card" onSubmit={(e) => void create(e)} noValidate>
          <h2>New key</h2>
          <Field label="Name" id="key-name" problems={problems.name}>
            <input
              id="key-name"
              value={form.name}
              onInput={(e) => setForm({ ...form, name: e.currentTarget.value })}
            />
          </Field>
          <Field label="Role" id="key-role" problems={problems.role}>
            <select
              id="key-role"
              value={form.role}
              onChange={(e) => setForm({ ...form, role: e.currentTarget.value })}
            >
              {roleNames.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Expires (optional)" id="key-expires" problems={problems.expires_at}>
            <input
              id="key-expires"
              type="datetime-local"
              value={form.expires_at}
              onInput={(e) => setForm({ ...form, expires_at: e.currentTarget.value })}
            />
          </Field>
          {problems['']?.map((p) => (
            <p key={p} class="error" role="alert">
              {p}
            </p>
          ))}
          <button type="submit">Create key</button>
          {created && (
            <p class="ok" role="status">
              Key '{created.name}' ({created.role}), shown only now:{' '}
              <code class="secret">{created.key}</code>
            </p>
          )}
        </form>
      )}
      <ErrorNote error={keys.error ?? failure} />
      <Loading when={keys.loading && !keys.data} />
      {keys.data && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Role</th>
                <th>Hint</th>
                <th>Last used</th>
                <th>Expires</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              {keys.data.items.map((k) => (
                <tr key={k.id}>
                  <td>{k.name}</td>
                  <td>{k.role}</td>
                  <td class="mono">{k.hint}</td>
                  <td>
                    <Time at={k.last_used_at} />
                  </td>
                  <td>
                    <Time at={k.expires_at} />
                  </td>
                  <td>
                    {can('keys:write') && !k.revoked_at && (
                      <button
                        type="button"
                        class="danger"
                        onClick={() => void revoke(k.id, k.name)}
                      >
                        Revoke
                      </button>
                    )}
                    {k.revoked_at && <span class="muted">revoked</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
