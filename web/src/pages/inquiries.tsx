import { useState } from 'preact/hooks';
import { must, problemsByField, type Schemas } from '../api';
import { ErrorNote, Forbidden, Json, Loading, Status, Time } from '../components/common';
import { SchemaForm, schemaFields } from '../components/schema-form';
import { useLoad, useThrottled } from '../load';
import { Link } from '../router';
import { useLive, useSession } from '../session-context';

export function InquiriesPage() {
  const { api } = useSession();
  const [status, setStatus] = useState<'pending' | ''>('pending');
  const list = useLoad(
    () =>
      must(
        api.GET('/api/v1/inquiries', {
          params: { query: { limit: 100, ...(status ? { status } : {}) } },
        }),
      ),
    [status],
  );
  const refetch = useThrottled(list.reload, 300);
  useLive({ notification: (n) => n.kind === 'inquiry' && refetch(), resync: refetch });
  return (
    <section>
      <h1>Inquiries</h1>
      <label class="filters">
        Show{' '}
        <select value={status} onChange={(e) => setStatus(e.currentTarget.value as 'pending' | '')}>
          <option value="pending">pending</option>
          <option value="">all</option>
        </select>
      </label>
      <ErrorNote error={list.error} />
      <Loading when={list.loading && !list.data} />
      <ul class="cards">
        {list.data?.items.map((inquiry) => (
          <li key={inquiry.id} data-inquiry={inquiry.id}>
            <Link href={`/inquiries/${inquiry.id}`}>{inquiry.prompt}</Link>{' '}
            <Status status={inquiry.status} />
            <div class="muted">
              asked <Time at={inquiry.created_at} /> · times out <Time at={inquiry.timeout_at} />
            </div>
          </li>
        ))}
        {list.data?.items.length === 0 && <li class="muted">No inquiries.</li>}
      </ul>
    </section>
  );
}

/** One inquiry: its prompt, and a form generated from its JSON schema to answer it. */
export function InquiryPage({ id }: { id: string }) {
  const { api, can } = useSession();
  const inquiry = useLoad(
    () => must(api.GET('/api/v1/inquiries/{id}', { params: { path: { id } } })),
    [id],
  );
  const [problems, setProblems] = useState<Record<string, string[]>>({});
  const [failure, setFailure] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [answered, setAnswered] = useState(false);

  const answer = async (response: unknown) => {
    setBusy(true);
    setProblems({});
    setFailure(undefined);
    try {
      await must(
        api.POST('/api/v1/inquiries/{id}/respond', {
          params: { path: { id } },
          body: { response: response as Schemas['RespondToInquiryDto']['response'] },
        }),
      );
      setAnswered(true);
      inquiry.reload();
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === 400)
        setProblems(problemsByField(error, schemaFields(inquiry.data?.schema, 'response')));
      else setFailure(error);
    } finally {
      setBusy(false);
    }
  };

  const data = inquiry.data;
  return (
    <section>
      <h1>Inquiry</h1>
      <ErrorNote error={inquiry.error} />
      <Loading when={inquiry.loading && !data} />
      {data && (
        <>
          <p class="prompt">{data.prompt}</p>
          <p>
            <Status status={data.status} /> · execution{' '}
            <Link href={`/executions/${data.execution_id}`}>{data.execution_id}</Link>
          </p>
          {answered && (
            <p class="ok" role="status">
              Answer accepted.
            </p>
          )}
          {data.status === 'pending' && can('inquiries:respond') ? (
            <SchemaForm
              schema={data.schema}
              prefix="response"
              problems={problems}
              disabled={busy}
              submitLabel="Answer"
              onSubmit={(v) => void answer(v)}
            />
          ) : data.status === 'pending' ? (
            <Forbidden permission="inquiries:respond" />
          ) : (
            <>
              <h2>Answer</h2>
              <Json value={data.response} />
            </>
          )}
          <ErrorNote error={failure} />
          <details>
            <summary>Schema</summary>
            <Json value={data.schema} />
          </details>
        </>
      )}
    </section>
  );
}
