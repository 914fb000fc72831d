import { maskText, maskValues, revealedSecrets } from '../secrets/secret-masker';

/** Header and query parameter names whose values are credentials (or may be). */
const SENSITIVE_NAME = /pass|pwd|token|secret|key|ticket|auth|cookie|signature|credential|session/i;
export const REDACTED = '[redacted]';

/** Headers with credentials replaced, for a log line. */
export function redactHeaders(
  headers: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  if (!headers) return headers;
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name,
      SENSITIVE_NAME.test(name) ? REDACTED : value,
    ]),
  );
}

/** A request path with the values of sensitive query parameters replaced. */
export function redactUrl(url: string | undefined): string | undefined {
  if (!url) return url;
  const question = url.indexOf('?');
  if (question < 0) return url;
  const query = url
    .slice(question + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = decodeSafely(equals < 0 ? pair : pair.slice(0, equals));
      return equals >= 0 && SENSITIVE_NAME.test(name)
        ? `${pair.slice(0, equals)}=${REDACTED}`
        : pair;
    });
  return `${url.slice(0, question)}?${query.join('&')}`;
}

function decodeSafely(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

interface SerializedRequest {
  id?: unknown;
  method?: string;
  url?: string;
  headers?: Record<string, unknown>;
  remoteAddress?: string;
}

/** pino-http's request serializer: no credential from headers or query string in a log. */
export function serializeRequest(request: SerializedRequest): SerializedRequest {
  return {
    id: request.id,
    method: request.method,
    url: redactUrl(request.url),
    headers: redactHeaders(request.headers),
    remoteAddress: request.remoteAddress,
  };
}

/**
 * pino's logMethod hook: while an action runs with secret values, those values are masked in
 * whatever is logged (message text and logged objects), by whichever code logs it.
 */
export function maskRevealedSecrets(
  this: unknown,
  args: unknown[],
  method: (...args: unknown[]) => void,
): void {
  const values = revealedSecrets.values;
  if (values.length === 0) return method.apply(this, args);
  const masked = args.map((arg) => {
    if (typeof arg === 'string') return maskText(arg, values);
    if (typeof arg === 'object' && arg !== null && !(arg instanceof Error)) {
      return maskValues(arg, values);
    }
    return arg;
  });
  method.apply(this, masked);
}
