import { AttuneProcess } from './attune-process';

/** Authorization for a key. */
export function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}

/** A new key with `role`, made with the admin key: its id and the key itself. */
export async function createKey(
  app: AttuneProcess,
  name: string,
  role: string,
  expiresAt?: Date,
): Promise<{ id: string; key: string }> {
  const response = await app.request('POST', '/api/v1/keys', {
    name,
    role,
    ...(expiresAt ? { expires_at: expiresAt.toISOString() } : {}),
  });
  if (response.status !== 201) {
    throw new Error(
      `POST /api/v1/keys answered ${response.status}: ${JSON.stringify(response.body)}`,
    );
  }
  return { id: response.body.id, key: response.body.key };
}

/** A custom role, made with the admin key. */
export async function createRole(
  app: AttuneProcess,
  name: string,
  grants: Array<{ permission: string; refs?: string }>,
): Promise<void> {
  const response = await app.request('POST', '/api/v1/roles', { name, grants });
  if (response.status !== 201) {
    throw new Error(
      `POST /api/v1/roles answered ${response.status}: ${JSON.stringify(response.body)}`,
    );
  }
}

/** A request with only the headers given (the other helpers add the admin key). */
export async function plainRequest(
  app: AttuneProcess,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const controller = new AbortController();
  const response = await fetch(`${app.url}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: controller.signal,
  });
  // An answered stream (SSE) would never end: its status is all a test needs.
  if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
    controller.abort();
    return { status: response.status, body: undefined, headers: response.headers };
  }
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body: parsed, headers: response.headers };
}
