import { useState } from 'preact/hooks';
import { must } from '../api';
import { ErrorNote, Json, Loading, Time } from '../components/common';
import { useLoad } from '../load';
import { useSession } from '../session-context';

/** Who changed what (admin): newest first, paged with the API's cursor. */
export function AuditPage() {
  const { api } = useSession();
  const [cursors, setCursors] = useState<string[]>([]);
  const [resource, setResource] = useState('');
  const cursor = cursors[cursors.length - 1];
  const page = useLoad(
    () =>
      must(
        api.GET('/api/v1/audit', {
          params: {
            query: { limit: 50, ...(cursor ? { cursor } : {}), ...(resource ? { resource } : {}) },
          },
        }),
      ),
    [cursor, resource],
  );
  return (
    <section>
      <h1>Audit</h1>
      <label class="filters">
        Resource{' '}
        <input
          value={resource}
          placeholder="executions"
          onChange={(e) => {
            setCursors([]);
            setResource(e.currentTarget.value);
          }}
        />
      </label>
      <ErrorNote error={page.error} />
      <Loading when={page.loading && !page.data} />
      {page.data && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th>At</th>
                <th>Actor</th>
                <th>Action</th>
                <th>Resource</th>
                <th>Ref</th>
                <th>Details</th>
              </tr>
            </thead>
            <tbody>
              {page.data.items.map((a) => (
                <tr key={a.id}>
                  <td>
                    <Time at={a.at} />
                  </td>
                  <td>{a.actor}</td>
                  <td>{a.action}</td>
                  <td>{a.resource}</td>
                  <td class="mono">{a.ref}</td>
                  <td>
                    {a.details && Object.keys(a.details).length ? (
                      <details>
                        <summary>…</summary>
                        <Json value={a.details} />
                      </details>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav class="pager" aria-label="Pages of the audit log">
        {cursors.length > 0 && (
          <button type="button" onClick={() => setCursors((c) => c.slice(0, -1))}>
            ← Newer
          </button>
        )}
        {page.data?.next_cursor && (
          <button type="button" onClick={() => setCursors((c) => [...c, page.data!.next_cursor!])}>
            Older →
          </button>
        )}
      </nav>
    </section>
  );
}
