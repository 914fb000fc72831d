import { cloneElement, isValidElement, type ComponentChildren } from 'preact';
import { ApiError } from '../api';
import { useSession } from '../session-context';

/** The API's message for a failed call (a 403 names the key, its role and what it lacks). */
export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const text =
    error instanceof ApiError
      ? `${error.status ? `${error.status} ` : ''}${error.body?.error ? `${error.body.error}: ` : ''}${error.message}`
      : String(error);
  return (
    <p class="error" role="alert">
      {text}
    </p>
  );
}

export function Status({ status }: { status: string }) {
  return <span class={`status status-${status}`}>{status}</span>;
}

export function Json({ value }: { value: unknown }) {
  return <pre class="json">{JSON.stringify(value, null, 2)}</pre>;
}

export function Time({ at }: { at?: string | null }) {
  if (!at) return <span class="muted">—</span>;
  const date = new Date(at);
  return (
    <time dateTime={at} title={at}>
      {date.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' })}
    </time>
  );
}

/** A labelled field with the API's problems about it right below. */
export function Field(props: {
  label: string;
  id: string;
  problems?: string[];
  hint?: string;
  children: ComponentChildren;
}) {
  const problemId = `${props.id}-problems`;
  const invalid = Boolean(props.problems?.length);
  // The control names its problems, so a screen reader reads them with it.
  const control =
    invalid && isValidElement(props.children)
      ? cloneElement(props.children, { 'aria-describedby': problemId, 'aria-invalid': true })
      : props.children;
  return (
    <div class={`field${invalid ? ' invalid' : ''}`}>
      <label for={props.id}>{props.label}</label>
      {control}
      {props.hint && <small class="muted">{props.hint}</small>}
      {props.problems?.length ? (
        <ul class="problems" id={problemId} role="alert" data-field={props.id}>
          {props.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function Loading({ when }: { when: boolean }) {
  return when ? (
    <p class="muted" aria-live="polite">
      Loading…
    </p>
  ) : null;
}

/**
 * A page this key may not use, reached by its address: worded as the API words its 403
 * ("key 'ci' (viewer) lacks dlq:replay"), so the console and the API say the same thing.
 */
export function Forbidden({ permission, ref }: { permission: string; ref?: string }) {
  const { me } = useSession();
  return (
    <p class="error" role="alert" data-forbidden={permission}>
      403 Forbidden: key '{me.key}' ({me.role}) lacks {permission}
      {ref ? ` on ${ref}` : ''}
    </p>
  );
}
