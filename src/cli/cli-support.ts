/** A clean failure of a command: one line on stderr, exit 1, no stack trace. */
export class CliError extends Error {}

export type Out = (line: string) => void;

const CONNECT_TIMEOUT_MS = 15_000;

/** Waits for a connection, or fails naming what could not be reached. */
export function withTimeout<T>(work: Promise<T>, what: () => string): Promise<T> {
  return Promise.race([
    work,
    new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new CliError(`could not reach ${what()}`)),
        CONNECT_TIMEOUT_MS,
      ).unref(),
    ),
  ]);
}

/** `--name value` and `--name=value` options, and the rest as positional arguments. */
export function parseOptions(args: string[]): {
  options: Map<string, string>;
  positional: string[];
} {
  const options = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(args[i]);
    if (!match) {
      positional.push(args[i]);
    } else if (match[2] !== undefined) {
      options.set(match[1], match[2]);
    } else if (i + 1 < args.length && !args[i + 1].startsWith('--')) {
      options.set(match[1], args[++i]);
    } else {
      options.set(match[1], 'true');
    }
  }
  return { options, positional };
}
