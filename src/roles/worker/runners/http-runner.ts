import { RunContext, RunOutcome, Runner } from './runner';

const BODY_CAP_BYTES = 1024 * 1024;

/** core.http: one request; succeeds with { status, headers, body } for any status below 400. */
export class HttpRunner implements Runner {
  readonly name = 'http' as const;

  async run({ parameters, signal }: RunContext): Promise<RunOutcome> {
    const method = String(parameters.method ?? 'GET').toUpperCase();
    const headers: Record<string, string> = {
      ...((parameters.headers as Record<string, string>) ?? {}),
    };
    let body: string | undefined;
    if (parameters.body !== undefined && method !== 'GET' && method !== 'HEAD') {
      if (typeof parameters.body === 'string') {
        body = parameters.body;
      } else {
        body = JSON.stringify(parameters.body);
        if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
          headers['content-type'] = 'application/json';
        }
      }
    }
    let response: Response;
    try {
      response = await fetch(String(parameters.url), { method, headers, body, signal });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      const cause = (error as Error & { cause?: Error }).cause?.message;
      return {
        status: 'failed',
        result: null,
        error: `request failed: ${(error as Error).message}${cause ? ` (${cause})` : ''}`,
      };
    }
    const text = (await response.text()).slice(0, BODY_CAP_BYTES);
    let parsed: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('json')) {
      try {
        parsed = JSON.parse(text);
      } catch {
        // keep the text
      }
    }
    const result = {
      status: response.status,
      headers: Object.fromEntries(response.headers),
      body: parsed,
    };
    return response.status < 400
      ? { status: 'succeeded', result }
      : { status: 'failed', result, error: `HTTP ${response.status}` };
  }
}
