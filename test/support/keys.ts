import { AttuneProcess } from './attune-process';
import { httpRequest, HttpAnswer } from './http';

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
export function plainRequest(
  app: AttuneProcess,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  return httpRequest(app.url, method, path, { json: body, headers, adminKey: false });
}
