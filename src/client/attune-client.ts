import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, paths } from './attune-api';

/**
 * A client typed by the OpenAPI document (attune-api.ts is generated from docs/openapi.json by
 * `npm run openapi`): paths, parameters, bodies and answers are checked by the compiler.
 */
export type AttuneClient = Client<paths>;

/** The body of every error answer. */
export type ApiErrorBody = components['schemas']['ApiErrorBody'];

export type Schemas = components['schemas'];

export interface AttuneClientOptions {
  /** Where the api role listens, e.g. http://127.0.0.1:3000. */
  baseUrl: string;
  /** An API key, sent as a bearer token. */
  key?: string;
  /** Runs on every request and answer (the tests validate answers against the document). */
  middleware?: Middleware[];
}

export function createAttuneClient(options: AttuneClientOptions): AttuneClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl,
    headers: options.key ? { authorization: `Bearer ${options.key}` } : {},
  });
  for (const middleware of options.middleware ?? []) client.use(middleware);
  return client;
}

/** One line for a failed answer, as the API worded it. */
export function describeError(status: number, body: unknown): string {
  const error = body as Partial<ApiErrorBody> | undefined;
  return typeof error?.message === 'string' ? `${status}: ${error.message}` : `HTTP ${status}`;
}
