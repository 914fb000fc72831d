import { must, type AttuneClient } from '../api';
import { ErrorNote, Loading, Status, Time } from '../components/common';
import { useLoad, useThrottled } from '../load';
import { useLive, useSession } from '../session-context';

/** Workers with how many executions each is running now (their load against capacity). */
export async function workersWithLoad(api: AttuneClient) {
  const [workers, running] = await Promise.all([
    must(api.GET('/api/v1/workers', { params: { query: { limit: 200 } } })),
    must(api.GET('/api/v1/executions', { params: { query: { status: 'running', limit: 500 } } })),
  ]);
  const load = new Map<string, number>();
  for (const e of running.items)
    if (e.worker_id) load.set(e.worker_id, (load.get(e.worker_id) ?? 0) + 1);
  return workers.items.map((w) => ({ ...w, running: load.get(w.id) ?? 0 }));
}

export function WorkersTable({
  workers,
}: {
  workers: Awaited<ReturnType<typeof workersWithLoad>>;
}) {
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th>Worker</th>
            <th>Status</th>
            <th>Runners</th>
            <th class="num">Load</th>
            <th>Heartbeat</th>
          </tr>
        </thead>
        <tbody>
          {workers.map((w) => (
            <tr key={w.id} data-worker={w.id}>
              <td>{w.name}</td>
              <td>
                <Status status={w.status} />
              </td>
              <td class="muted">{w.runners.join(', ')}</td>
              <td class="num">
                <meter
                  min={0}
                  max={w.capacity}
                  value={w.running}
                  aria-label={`${w.running} of ${w.capacity}`}
                />{' '}
                {w.running}/{w.capacity}
              </td>
              <td>
                <Time at={w.heartbeat_at} />
              </td>
            </tr>
          ))}
          {workers.length === 0 && (
            <tr>
              <td colSpan={5} class="muted">
                No workers registered.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}

export function WorkersPage() {
  const { api } = useSession();
  const workers = useLoad(() => workersWithLoad(api), []);
  const refetch = useThrottled(workers.reload, 1000);
  useLive({ notification: (n) => n.kind === 'execution' && refetch(), resync: refetch });
  return (
    <section>
      <h1>Workers</h1>
      <ErrorNote error={workers.error} />
      <Loading when={workers.loading && !workers.data} />
      {workers.data && <WorkersTable workers={workers.data} />}
    </section>
  );
}
