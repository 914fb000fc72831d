/** What one poll saw; `text` is what changes are detected on. */
export interface PollResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  body: unknown;
}

const BODY_CAP_BYTES = 256 * 1024;
const MAX_POLL_TIMEOUT_MS = 10_000;

/** GETs `url` once, with a timeout shorter than the poll interval. */
export async function pollOnce(url: string, intervalMs: number): Promise<PollResponse> {
  const response = await fetch(url, {
    signal: AbortSignal.timeout(Math.min(MAX_POLL_TIMEOUT_MS, Math.max(100, intervalMs))),
  });
  const text = (await response.text()).slice(0, BODY_CAP_BYTES);
  let body: unknown = text;
  if ((response.headers.get('content-type') ?? '').includes('json')) {
    try {
      body = JSON.parse(text);
    } catch {
      // keep the text
    }
  }
  return { status: response.status, headers: Object.fromEntries(response.headers), text, body };
}
