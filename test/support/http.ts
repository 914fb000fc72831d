import { withAdminKey } from './env';
import { openApiContract } from './openapi-contract';

/** A parsed JSON answer; tests read fields of it freely and assert on them. */
export type Json = any;

export interface HttpAnswer {
  status: number;
  body: Json;
  headers: Headers;
}

export interface HttpOptions {
  /** Sent as JSON with content-type application/json. */
  json?: unknown;
  /** Sent as it is, with content-type application/json (for malformed bodies). */
  raw?: string;
  headers?: Record<string, string>;
  /** Add the suites' admin key unless the headers carry an Authorization (default true). */
  adminKey?: boolean;
}

/**
 * The one way the suites send hand-made requests to Attune's HTTP API (malformed bodies, odd
 * headers; well-formed calls go through the typed client): the body parsed when it is JSON, a
 * stream (SSE) answered with its status only, as it never ends, and every answer checked against
 * the OpenAPI document.
 */
export async function httpRequest(
  baseUrl: string,
  method: string,
  path: string,
  options: HttpOptions = {},
): Promise<HttpAnswer> {
  const hasBody = options.json !== undefined || options.raw !== undefined;
  const headers =
    options.adminKey === false ? (options.headers ?? {}) : withAdminKey(options.headers);
  const controller = new AbortController();
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...headers },
    body: options.raw ?? (options.json === undefined ? undefined : JSON.stringify(options.json)),
    signal: controller.signal,
  });
  if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
    controller.abort();
    openApiContract().check(method, path, response.status, null, undefined);
    return { status: response.status, body: undefined, headers: response.headers };
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON (metrics, say)
  }
  openApiContract().check(
    method,
    path,
    response.status,
    response.headers.get('content-type'),
    body,
  );
  return { status: response.status, body, headers: response.headers };
}
