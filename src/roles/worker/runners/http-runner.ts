import { Agent, fetch, Response } from 'undici';
import {
  createPolicyAgent,
  DestinationPolicy,
  DestinationRefusedError,
} from './destination-policy';
import { RunContext, RunOutcome, Runner } from './runner';

const BODY_CAP_BYTES = 1024 * 1024;

/** The policy's refusal somewhere in fetch's chain of causes, if that is why it failed. */
function refusalIn(error: unknown): DestinationRefusedError | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    if (e instanceof DestinationRefusedError) return e;
  }
  return undefined;
}

/**
 * core.http: one request; succeeds with { status, headers, body } for any status below 400.
 * Every connection, redirects included, goes through the destination policy.
 */
export class HttpRunner implements Runner {
  readonly name = 'http' as const;
  /** One agent per runner: its connection pools are reused across executions. */
  private readonly agent: Agent;

  constructor(policy: DestinationPolicy) {
    this.agent = createPolicyAgent(policy);
  }

  /** Closes the pooled connections (tests, shutdown). */
  close(): Promise<void> {
    return this.agent.close();
  }

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
      response = await fetch(String(parameters.url), {
        method,
        headers,
        body,
        signal,
        dispatcher: this.agent,
      });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      const refusal = refusalIn(error);
      if (refusal) {
        return { status: 'failed', result: null, error: `request refused: ${refusal.message}` };
      }
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
