import {
  createAttuneClient,
  type ApiErrorBody,
  type AttuneClient,
  type Schemas,
} from '../../src/client/attune-client';
import { ApiError } from './problems';

export type { AttuneClient, Schemas };
export { ApiError, problemsByField } from './problems';

/** The typed client for this page's own origin, with the signed-in key. */
export function clientFor(key: string, onUnauthorized: () => void): AttuneClient {
  return createAttuneClient({
    baseUrl: location.origin,
    key,
    middleware: [
      {
        onResponse({ response }) {
          if (response.status === 401) onUnauthorized();
          return undefined;
        },
      },
    ],
  });
}

/** The answer's data, or an ApiError carrying the API's message. */
export async function must<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let answer;
  try {
    answer = await call;
  } catch {
    throw new ApiError(0);
  }
  if (!answer.response.ok) {
    throw new ApiError(answer.response.status, answer.error as ApiErrorBody | undefined);
  }
  return answer.data as T;
}
