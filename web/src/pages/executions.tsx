import { useState } from 'preact/hooks';
import { must, type Schemas } from '../api';
import { ErrorNote, Loading, Status, Time } from '../components/common';
import type { LiveNotification } from '../live';
import { useLoad, useThrottled } from '../load';
import { Link, navigate } from '../router';
import { useLive, useSession } from '../session-context';
import { EXECUTION_STATUSES, type ExecutionStatus } from '../../../src/domain/execution-status';

/** The server's own list, in the state machine's order. */
export const STATUSES = EXECUTION_STATUSES;
const PAGE_SIZE = 25;
type Execution = Schemas['ExecutionView'];

/** How far along a status is: a notification never moves an execution back (they may arrive late). */
const PROGRESS: Record<string, number> = {
  requested: 0,
  delayed: 1,
  scheduled: 2,
  running: 3,
  paused: 3,
};
const progressOf = (status: string) => PROGRESS[status] ?? 4;

/** Applies a live notification to an execution already shown, unless it is older news. */
export function withNotification(execution: Execution, n: LiveNotification): Execution {
  if (progressOf(n.status) < progressOf(execution.status)) return execution;
  if (progressOf(execution.status) === 4) return execution;
  return {
    ...execution,
    status: n.status as ExecutionStatus,
    worker_id: n.worker_id === undefined ? execution.worker_id : n.worker_id,
    scheduled_at: n.scheduled_at === undefined ? execution.scheduled_at : n.scheduled_at,
    started_at: n.started_at === undefined ? execution.started_at : n.started_at,
    finished_at: n.finished_at === undefined ? execution.finished_at : n.finished_at,
  };
}

/**
 * The live list: filters and the cursor are in the URL (so Back works and a view can be shared);
 * live notifications update rows in place, and on the first page a new execution that fits the
 * filters triggers a (throttled) refetch.
 */
export function ExecutionsPage({ query }: { query: URLSearchParams }) {
  const { api, can } = useSession();
  const status = query.get('status') ?? '';
  const action = query.get('action') ?? '';
  const cursor = query.get('cursor') ?? '';
  const limit = query.get('limit') ?? '';
  const [actionInput, setActionInput] = useState(action);
  const [rows, setRows] = useState<Execution[]>();

  const page = useLoad(async () => {
    const answer = await must(
      api.GET('/api/v1/executions', {
        params: {
          query: {
            limit: Number(limit) || PAGE_SIZE,
            ...(status ? { status: status as ExecutionStatus } : {}),
            ...(action ? { action } : {}),
            ...(cursor ? { cursor } : {}),
          },
        },
      }),
    );
    setRows(answer.items);
    return answer;
  }, [status, action, cursor, limit]);

  const refetch = useThrottled(page.reload, 300);
  useLive({
    notification(n) {
      if (n.kind !== 'execution') return;
      const shown = rows?.some((r) => r.id === n.execution_id);
      if (shown) {
        setRows((list) => list?.map((r) => (r.id === n.execution_id ? withNotification(r, n) : r)));
        if (status && n.status !== status) refetch();
      } else if (!cursor && (!status || n.status === status) && (!action || n.action === action)) {
        refetch();
      }
    },
    resync: refetch,
  });

  const go = (changes: Record<string, string>, state?: unknown) => {
    const next = new URLSearchParams({ status, action, limit, ...changes });
    for (const [k, v] of [...next]) if (!v) next.delete(k);
    const q = next.toString();
    navigate(`/executions${q ? `?${q}` : ''}`, { state });
  };

  return (
    <section>
      <h1>Executions</h1>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          go({ action: actionInput, cursor: '' });
        }}
      >
        <label>
          Status{' '}
          <select
            name="status"
            value={status}
            onChange={(e) => go({ status: e.currentTarget.value, cursor: '' })}
          >
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Action{' '}
          <input
            name="action"
            value={actionInput}
            placeholder="core.echo"
            onInput={(e) => setActionInput(e.currentTarget.value)}
          />
        </label>
        <button type="submit">Filter</button>
        {can('executions:run') && (
          <Link href="/definitions/actions" class="button">
            Run an action…
          </Link>
        )}
      </form>
      <ErrorNote error={page.error} />
      <Loading when={page.loading && !rows} />
      {rows && (
        <div class="table-wrap">
          <table class="executions">
            <thead>
              <tr>
                <th>Action</th>
                <th>Status</th>
                <th>Created</th>
                <th>Finished</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((e) => (
                <tr key={e.id} data-execution={e.id} data-status={e.status}>
                  <td>
                    <Link href={`/executions/${e.id}`}>{e.action}</Link>
                    {e.task ? <span class="muted"> · {e.task}</span> : null}
                  </td>
                  <td>
                    <Status status={e.status} />
                  </td>
                  <td>
                    <Time at={e.created_at} />
                  </td>
                  <td>
                    <Time at={e.finished_at} />
                  </td>
                </tr>
              ))}
              {rows.length === 0 && (
                <tr>
                  <td colSpan={4} class="muted">
                    No executions.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      )}
      <nav class="pager" aria-label="Pages of executions">
        {cursor && (
          <button
            type="button"
            onClick={() =>
              // Back to the page this one was paged from; from a bookmark, to the newest page.
              (history.state as { paged?: boolean } | null)?.paged
                ? history.back()
                : go({ cursor: '' })
            }
          >
            ← Newer
          </button>
        )}
        {page.data?.next_cursor && (
          <button
            type="button"
            onClick={() => go({ cursor: page.data!.next_cursor! }, { paged: true })}
          >
            Older →
          </button>
        )}
        {page.data && (
          <span class="muted">
            {page.data.total_is_estimate ? '~' : ''}
            {page.data.total} in all
          </span>
        )}
      </nav>
    </section>
  );
}
