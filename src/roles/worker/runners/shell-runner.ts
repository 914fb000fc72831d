import { spawn } from 'node:child_process';
import { RunContext, RunOutcome, Runner } from './runner';

/** Output kept per stream; more is dropped (and said so) so a chatty command cannot eat memory. */
export const OUTPUT_CAP_BYTES = 1024 * 1024;
/** After SIGTERM, a command gets this long before SIGKILL. */
const KILL_GRACE_MS = 2000;

/**
 * core.shell: `/bin/sh -c cmd` with `args` as $1…, `env` plus every scalar parameter as
 * ATTUNE_PARAM_<NAME>. Runs in its own process group so timeout and cancel kill its children too.
 */
export class ShellRunner implements Runner {
  readonly name = 'shell' as const;

  run({ parameters, signal }: RunContext): Promise<RunOutcome> {
    const cmd = String(parameters.cmd);
    const args = Array.isArray(parameters.args) ? parameters.args.map(String) : [];
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LANG: process.env.LANG ?? 'C.UTF-8',
      ...paramsAsEnv(parameters),
      ...((parameters.env as Record<string, string> | undefined) ?? {}),
    };
    const child = spawn('/bin/sh', ['-c', cmd, 'sh', ...args], {
      cwd: typeof parameters.cwd === 'string' ? parameters.cwd : undefined,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout = new CappedBuffer(OUTPUT_CAP_BYTES);
    const stderr = new CappedBuffer(OUTPUT_CAP_BYTES);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));

    let killTimer: NodeJS.Timeout | undefined;
    const killGroup = (sig: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, sig);
      } catch {
        // already gone
      }
    };
    const onAbort = () => {
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
    };
    signal.addEventListener('abort', onAbort, { once: true });

    return new Promise((resolve, reject) => {
      child.once('error', (error) => {
        signal.removeEventListener('abort', onAbort);
        resolve({
          status: 'failed',
          result: null,
          error: `could not start /bin/sh: ${error.message}`,
        });
      });
      child.once('close', (code, killedBy) => {
        signal.removeEventListener('abort', onAbort);
        if (killTimer) clearTimeout(killTimer);
        if (signal.aborted) return reject(signal.reason);
        const exitCode = code ?? (killedBy ? 128 : 1);
        const result = { exit_code: exitCode, stdout: stdout.text(), stderr: stderr.text() };
        resolve(
          exitCode === 0
            ? { status: 'succeeded', result }
            : {
                status: 'failed',
                result,
                error: `exit code ${exitCode}${killedBy ? ` (killed by ${killedBy})` : ''}: ${lastLines(result.stderr)}`,
              },
        );
      });
    });
  }
}

function paramsAsEnv(parameters: Record<string, unknown>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(parameters)) {
    if (['cmd', 'args', 'env', 'cwd'].includes(name)) continue;
    const key = `ATTUNE_PARAM_${name.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`;
    env[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return env;
}

function lastLines(text: string, max = 500): string {
  const trimmed = text.trim();
  return trimmed.length > max ? `…${trimmed.slice(-max)}` : trimmed;
}

class CappedBuffer {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private dropped = 0;

  constructor(private readonly cap: number) {}

  push(chunk: Buffer): void {
    const room = this.cap - this.size;
    if (room <= 0) {
      this.dropped += chunk.length;
      return;
    }
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(kept);
    this.size += kept.length;
    this.dropped += chunk.length - kept.length;
  }

  text(): string {
    const text = Buffer.concat(this.chunks).toString('utf8');
    return this.dropped > 0 ? `${text}\n[… ${this.dropped} more bytes dropped]` : text;
  }
}
