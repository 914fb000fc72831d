import { useState } from 'preact/hooks';
import { must, type Schemas } from '../api';
import { ErrorNote, Json, Loading, Status, Time } from '../components/common';
import { useLoad, useThrottled } from '../load';
import { Link, navigate } from '../router';
import { useLive, useSession } from '../session-context';
import { withNotification } from './executions';

type Execution = Schemas['ExecutionView'];
const ENDED = ['succeeded', 'failed', 'timeout', 'canceled', 'abandoned'];

/** What the row's timestamps say, plus every status the live feed showed while the page was open. */
function timeline(execution: Execution, seen: Array<{ status: string; at: string }>) {
  const steps: Array<{ status: string; at: string }> = [
    { status: 'requested', at: execution.created_at },
    ...(execution.scheduled_at ? [{ status: 'scheduled', at: execution.scheduled_at }] : []),
    ...(execution.started_at ? [{ status: 'running', at: execution.started_at }] : []),
    ...seen,
    ...(execution.finished_at ? [{ status: execution.status, at: execution.finished_at }] : []),
  ];
  // One step per status, at the first time it was seen.
  const unique = new Map<string, { status: string; at: string }>();
  for (const step of steps) {
    const known = unique.get(step.status);
    if (!known || step.at < known.at) unique.set(step.status, step);
  }
  return [...unique.values()].sort((a, b) => a.at.localeCompare(b.at));
}

/** A workflow's task runs, each with its own children fetched when opened (?parent_id=). */
function Children({ parentId, heading }: { parentId: string; heading?: boolean }) {
  const { api } = useSession();
  const children = useLoad(
    () =>
      must(
        api.GET('/api/v1/executions', { params: { query: { parent_id: parentId, limit: 100 } } }),
      ),
    [parentId],
  );
  const refetch = useThrottled(children.reload, 300);
  useLive({
    notification: (n) => n.parent_id === parentId && refetch(),
    resync: refetch,
  });
  if (children.error) return <ErrorNote error={children.error} />;
  if (!children.data?.items.length) return null;
  const list = (
    <ul class="tree">
      {[...children.data.items]
        .sort((a, b) => a.created_at.localeCompare(b.created_at))
        .map((child) => (
          <li key={child.id} data-task={child.task ?? ''}>
            <Link href={`/executions/${child.id}`}>
              {child.task ?? child.action}
              {child.task_item == null ? '' : `[${child.task_item}]`}
            </Link>{' '}
            <span class="muted">{child.action}</span> <Status status={child.status} />
            {(child.tasks?.length ?? 0) > 0 && <Children parentId={child.id} />}
          </li>
        ))}
    </ul>
  );
  return heading ? (
    <>
      <h2>Workflow tasks</h2>
      {list}
    </>
  ) : (
    list
  );
}

function Output({ result }: { result: unknown }) {
  const r = result as { stdout?: unknown; stderr?: unknown } | null;
  if (
    !r ||
    typeof r !== 'object' ||
    (typeof r.stdout !== 'string' && typeof r.stderr !== 'string')
  ) {
    return null;
  }
  return (
    <>
      <h2>Output</h2>
      <h3>stdout</h3>
      <pre class="output" data-output="stdout">
        {String(r.stdout ?? '')}
      </pre>
      <h3>stderr</h3>
      <pre class="output" data-output="stderr">
        {String(r.stderr ?? '')}
      </pre>
    </>
  );
}

export function ExecutionPage({ id }: { id: string }) {
  const { api, can } = useSession();
  const [seen, setSeen] = useState<Array<{ status: string; at: string }>>([]);
  const [acting, setActing] = useState<unknown>();
  const [execution, setExecution] = useState<Execution>();
  const loaded = useLoad(async () => {
    const found = await must(api.GET('/api/v1/executions/{id}', { params: { path: { id } } }));
    setExecution(found);
    return found;
  }, [id]);
  const refetch = useThrottled(loaded.reload, 200);

  useLive({
    notification(n) {
      if (n.kind !== 'execution' || n.execution_id !== id) return;
      setSeen((s) => [...s, { status: n.status, at: n.at }]);
      // The result, error and output are not in notifications: an end is shown once they are
      // fetched, so the page never says "succeeded" over an empty result.
      if (ENDED.includes(n.status)) refetch();
      else setExecution((e) => e && withNotification(e, n));
    },
    resync: refetch,
  });

  const act = async (what: 'cancel' | 'rerun') => {
    setActing(undefined);
    try {
      if (what === 'cancel') {
        await must(api.POST('/api/v1/executions/{id}/cancel', { params: { path: { id } } }));
        refetch();
      } else {
        const created = await must(
          api.POST('/api/v1/executions/{id}/rerun', { params: { path: { id } } }),
        );
        navigate(`/executions/${created.id}`);
      }
    } catch (error) {
      setActing(error);
    }
  };

  if (!execution || execution.id !== id) {
    return (
      <section>
        <h1>Execution</h1>
        <ErrorNote error={loaded.error} />
        <Loading when={loaded.loading} />
      </section>
    );
  }
  const ended = ENDED.includes(execution.status);
  return (
    <section class="execution" data-execution={execution.id} data-status={execution.status}>
      <h1>
        {execution.action} <Status status={execution.status} />
      </h1>
      <p class="muted mono">{execution.id}</p>
      <div class="actions">
        {!ended && can('executions:cancel', execution.action) && (
          <button type="button" onClick={() => void act('cancel')}>
            Cancel
          </button>
        )}
        {can('executions:run', execution.action) && (
          <button type="button" onClick={() => void act('rerun')}>
            Rerun
          </button>
        )}
        {execution.parent_id && <Link href={`/executions/${execution.parent_id}`}>↑ Workflow</Link>}
        {execution.rerun_of && <Link href={`/executions/${execution.rerun_of}`}>Rerun of…</Link>}
      </div>
      <ErrorNote error={acting} />
      <dl class="facts">
        <dt>Attempt</dt>
        <dd>{execution.attempt}</dd>
        <dt>Worker</dt>
        <dd class="mono">{execution.worker_id ?? '—'}</dd>
        <dt>Correlation</dt>
        <dd class="mono">{execution.correlation_id}</dd>
        <dt>Created</dt>
        <dd>
          <Time at={execution.created_at} />
        </dd>
        <dt>Finished</dt>
        <dd>
          <Time at={execution.finished_at} />
        </dd>
      </dl>
      <h2>Timeline</h2>
      <ol class="timeline">
        {timeline(execution, seen).map((step) => (
          <li key={`${step.status}${step.at}`} data-step={step.status}>
            <Status status={step.status} /> <Time at={step.at} />
          </li>
        ))}
      </ol>
      <h2>Parameters</h2>
      <p class="muted">Secret values are shown as *** (the API never sends them).</p>
      <Json value={execution.parameters} />
      {execution.error && (
        <>
          <h2>Error</h2>
          <pre class="output error-output">{execution.error}</pre>
        </>
      )}
      <h2>Result</h2>
      <div data-result>
        {ended ? <Json value={execution.result} /> : <p class="muted">Not finished yet.</p>}
      </div>
      <Output result={execution.result} />
      <Children parentId={execution.id} heading />
    </section>
  );
}
