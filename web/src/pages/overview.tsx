import { must, type AttuneClient } from '../api';
import { ErrorNote, Loading, Status } from '../components/common';
import { useLoad, useThrottled } from '../load';
import { useInterval } from '../load-interval';
import { Link } from '../router';
import { useLive, useSession } from '../session-context';
import { STATUSES } from './executions';
import { workersWithLoad, WorkersTable } from './workers';

const SAMPLE = 500;
const HOUR_MS = 3_600_000;

/**
 * Executions created in the last hour, by status. The API has no counts by time, so this reads
 * the newest SAMPLE executions; `capped` says when the hour held more than that.
 */
async function lastHour(api: AttuneClient) {
  const page = await must(api.GET('/api/v1/executions', { params: { query: { limit: SAMPLE } } }));
  const since = Date.now() - HOUR_MS;
  const counts = new Map<string, number>();
  let inHour = 0;
  for (const e of page.items) {
    if (Date.parse(e.created_at) < since) continue;
    inHour += 1;
    counts.set(e.status, (counts.get(e.status) ?? 0) + 1);
  }
  return { counts, total: inHour, capped: inHour === SAMPLE };
}

interface Consumer {
  tag: string;
  queue: string;
  active: boolean;
}

interface HealthBody {
  status: string;
  details?: Record<string, { status: string; message?: string; [k: string]: unknown }>;
}

/** The api process's readiness (GET /health/ready answers 503 with the same body when not ready). */
async function readiness(): Promise<HealthBody> {
  const response = await fetch('/health/ready', { headers: { accept: 'application/json' } });
  return (await response.json()) as HealthBody;
}

export function OverviewPage() {
  const { api, can, live } = useSession();
  const readExecutions = can('executions:read');
  const hour = useLoad(() => (readExecutions ? lastHour(api) : Promise.resolve(undefined)), []);
  const workers = useLoad(
    () => (can('workers:read') ? workersWithLoad(api) : Promise.resolve(undefined)),
    [],
  );
  const dlq = useLoad(
    () => (can('dlq:read') ? must(api.GET('/api/v1/dlq')) : Promise.resolve(undefined)),
    [],
  );
  const ready = useLoad(readiness, []);
  const refetch = useThrottled(() => {
    hour.reload();
    workers.reload();
  }, 2000);
  useLive({ notification: refetch, resync: refetch });
  useInterval(() => {
    dlq.reload();
    ready.reload();
  }, 5000);

  const max = Math.max(1, ...(hour.data ? [...hour.data.counts.values()] : [1]));
  const depth = dlq.data?.items.reduce((sum, q) => sum + q.messages, 0);
  return (
    <section class="overview">
      <h1>Overview</h1>
      <div class="grid">
        {readExecutions && (
          <article class="card">
            <h2>Executions, last hour</h2>
            <ErrorNote error={hour.error} />
            <Loading when={hour.loading && !hour.data} />
            {hour.data && (
              <>
                <ul class="bars">
                  {STATUSES.filter((s) => hour.data!.counts.has(s)).map((s) => (
                    <li key={s} data-status={s}>
                      <Link href={`/executions?status=${s}`}>
                        <Status status={s} />
                      </Link>
                      <span
                        class="bar"
                        style={{ width: `${(100 * hour.data!.counts.get(s)!) / max}%` }}
                      />
                      <span class="num">{hour.data!.counts.get(s)}</span>
                    </li>
                  ))}
                </ul>
                <p class="muted">
                  {hour.data.total}
                  {hour.data.capped ? '+ (newest 500 read)' : ''} in all
                </p>
              </>
            )}
          </article>
        )}
        <article class="card">
          <h2>Readiness</h2>
          <ErrorNote error={ready.error} />
          {ready.data && (
            <ul class="plain">
              <li>
                api: <Status status={ready.data.status === 'ok' ? 'up' : 'down'} />
              </li>
              {Object.entries(ready.data.details ?? {}).map(([name, check]) => (
                <li key={name} title={check.message}>
                  <span class="muted">api · </span>
                  {name}: <Status status={check.status} />
                  {check.message && <div class="error">{check.message}</div>}
                  {Array.isArray(check.consumers) && (
                    <details>
                      <summary>{check.consumers.length} consumers in this process</summary>
                      <ul class="plain">
                        {(check.consumers as Consumer[]).map((c) => (
                          <li key={c.tag}>
                            <Status status={c.active ? 'up' : 'down'} /> {c.tag}{' '}
                            <span class="muted">{c.queue}</span>
                          </li>
                        ))}
                      </ul>
                    </details>
                  )}
                </li>
              ))}
              <li>
                notifier (live feed): <Status status={live.state === 'live' ? 'up' : 'down'} />
              </li>
              {workers.data && (
                <li>
                  worker:{' '}
                  <Status
                    status={workers.data.some((w) => w.status === 'active') ? 'up' : 'down'}
                  />{' '}
                  <span class="muted">
                    {workers.data.filter((w) => w.status === 'active').length} active
                  </span>
                </li>
              )}
            </ul>
          )}
        </article>
        {dlq.data && (
          <article class="card">
            <h2>Dead letters</h2>
            <p class="big" data-dlq-depth={depth}>
              {depth}
            </p>
            <ul class="plain">
              {dlq.data.items
                .filter((q) => q.messages > 0)
                .map((q) => (
                  <li key={q.queue}>
                    <Link href={`/dead-letters/${encodeURIComponent(q.queue)}`}>{q.queue}</Link>:{' '}
                    {q.messages}
                  </li>
                ))}
            </ul>
          </article>
        )}
      </div>
      {workers.data && (
        <>
          <h2>Workers</h2>
          <WorkersTable workers={workers.data} />
        </>
      )}
    </section>
  );
}
