import { abortableDelay, RunContext, RunOutcome, Runner } from './runner';

/** core.echo: its parameters are its result. */
export class EchoRunner implements Runner {
  readonly name = 'echo' as const;
  readonly pure = true;
  async run({ parameters }: RunContext): Promise<RunOutcome> {
    return { status: 'succeeded', result: parameters };
  }
}

/** core.noop: nothing, successfully. */
export class NoopRunner implements Runner {
  readonly name = 'noop' as const;
  readonly pure = true;
  async run(): Promise<RunOutcome> {
    return { status: 'succeeded', result: {} };
  }
}

/** core.sleep: waits `seconds` (abortable by timeout or cancel). */
export class SleepRunner implements Runner {
  readonly name = 'sleep' as const;
  async run({ parameters, signal }: RunContext): Promise<RunOutcome> {
    const seconds = Number(parameters.seconds ?? 0);
    await abortableDelay(seconds * 1000, signal);
    return { status: 'succeeded', result: { slept: seconds } };
  }
}

/** Inquiries wait a day unless the action says otherwise. */
const DEFAULT_INQUIRY_TIMEOUT_MS = 86_400_000;

/** core.ask: opens an inquiry; the execution pauses until it is answered or times out. */
export class AskRunner implements Runner {
  readonly name = 'ask' as const;
  async run({ parameters }: RunContext): Promise<RunOutcome> {
    return {
      status: 'paused',
      inquiry: {
        prompt: String(parameters.prompt ?? ''),
        schema: (parameters.schema as Record<string, unknown> | undefined) ?? null,
        timeoutMs: Number(parameters.timeout_ms ?? DEFAULT_INQUIRY_TIMEOUT_MS),
      },
    };
  }
}
