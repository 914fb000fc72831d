import { useState } from 'preact/hooks';
import { must, type Schemas } from '../api';
import { ErrorNote, Json, Loading, Time } from '../components/common';
import { useLoad } from '../load';
import { useInterval } from '../load-interval';
import { Link } from '../router';
import { useSession } from '../session-context';

const REFRESH_MS = 5000;

export function DeadLettersPage() {
  const { api } = useSession();
  const queues = useLoad(() => must(api.GET('/api/v1/dlq')), []);
  useInterval(queues.reload, REFRESH_MS);
  return (
    <section>
      <h1>Dead letters</h1>
      <p class="muted">Messages that could not be handled, per queue. Refreshed every 5 s.</p>
      <ErrorNote error={queues.error} />
      <Loading when={queues.loading && !queues.data} />
      {queues.data && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Dead-letter queue</th>
                <th>Replays into</th>
                <th class="num">Messages</th>
              </tr>
            </thead>
            <tbody>
              {queues.data.items.map((q) => (
                <tr key={q.queue} data-queue={q.queue} data-depth={q.messages}>
                  <td>
                    <Link href={`/dead-letters/${encodeURIComponent(q.queue)}`}>{q.queue}</Link>
                  </td>
                  <td class="muted">{q.source}</td>
                  <td class="num">{q.messages}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** One dead-letter queue: peek at its first messages, replay some of them. */
export function DeadLetterQueuePage({ queue }: { queue: string }) {
  const { api, can } = useSession();
  const [count, setCount] = useState('10');
  const [replayed, setReplayed] = useState<Schemas['ReplayResult']>();
  const [failure, setFailure] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const depth = useLoad(
    async () => (await must(api.GET('/api/v1/dlq'))).items.find((q) => q.queue === queue),
    [queue],
  );
  const peek = useLoad(
    () =>
      must(
        api.GET('/api/v1/dlq/{queue}/messages', {
          params: { path: { queue }, query: { limit: 20 } },
        }),
      ),
    [queue],
  );
  useInterval(depth.reload, REFRESH_MS);

  const replay = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setFailure(undefined);
    try {
      const limit = Number(count);
      setReplayed(
        await must(
          api.POST('/api/v1/dlq/{queue}/replay', {
            params: { path: { queue } },
            body: { limit: Number.isFinite(limit) ? limit : (count as unknown as number) },
          }),
        ),
      );
      depth.reload();
      peek.reload();
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <h1>Dead letters: {queue}</h1>
      <p>
        Depth:{' '}
        <strong data-depth={depth.data?.messages ?? ''} class="depth">
          {depth.data?.messages ?? '…'}
        </strong>
        {depth.data && <span class="muted"> · replays into {depth.data.source}</span>}
      </p>
      <ErrorNote error={depth.error} />
      {can('dlq:replay') && (
        <form class="filters" onSubmit={(e) => void replay(e)}>
          <label>
            Replay up to{' '}
            <input
              id="replay-count"
              name="limit"
              inputMode="numeric"
              size={5}
              value={count}
              onInput={(e) => setCount(e.currentTarget.value)}
            />{' '}
            messages
          </label>
          <button type="submit" disabled={busy}>
            Replay
          </button>
        </form>
      )}
      {replayed && (
        <p class="ok" role="status">
          Replayed {replayed.replayed}; {replayed.remaining} remain.
        </p>
      )}
      <ErrorNote error={failure} />
      <h2>First messages</h2>
      <ErrorNote error={peek.error} />
      <Loading when={peek.loading && !peek.data} />
      <ul class="cards">
        {peek.data?.items.map((m, i) => (
          <li key={m.message_id ?? i}>
            <strong>{m.message_type ?? 'message'}</strong>{' '}
            <span class="muted mono">{m.message_id}</span>
            <div>
              {m.error ?? m.reason}{' '}
              <span class="muted">
                · failed <Time at={m.failed_at} /> · retries {m.retry_count}
              </span>
            </div>
            <details>
              <summary>Body</summary>
              <Json value={m.body} />
            </details>
          </li>
        ))}
        {peek.data?.items.length === 0 && <li class="muted">Empty.</li>}
      </ul>
    </section>
  );
}
