import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { TEST_ADMIN_KEY, TEST_SECRET_KEY, transportEnv } from './env';
import { httpRequest } from './http';
import { typedClient } from './typed-client';
import type { AttuneClient } from '../../src/client/attune-client';
import { waitFor } from './wait-for';
import { metricValue } from './metrics';

const MAIN = join(__dirname, '..', '..', 'dist', 'main.js');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface AttuneOptions {
  roles?: string;
  /** Unset: the process starts an embedded PostgreSQL in ATTUNE_DATA_DIR. */
  databaseUrl?: string;
  prefix: string;
  env?: Record<string, string>;
  /** Working directory (where `.env` and the default ATTUNE_DATA_DIR are looked for). */
  cwd?: string;
}

/** The built app (`node dist/main.js`) as a real OS process, as users run it. */
export class AttuneProcess {
  readonly output: string[] = [];
  private client?: AttuneClient;
  private exitPromise: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {
    const collect = (chunk: Buffer) =>
      this.output.push(...chunk.toString().split('\n').filter(Boolean));
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exitPromise = new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
  }

  static async start(options: AttuneOptions): Promise<AttuneProcess> {
    const port = await freePort();
    const child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        ROLES: options.roles ?? 'all',
        PORT: String(port),
        ...(options.databaseUrl === undefined ? {} : { DATABASE_URL: options.databaseUrl }),
        MQ_PREFIX: options.prefix,
        LOG_LEVEL: 'info',
        RETRY_BACKOFF_MS: '100,200,300',
        WORKER_HEARTBEAT_MS: '1000',
        SHUTDOWN_GRACE_MS: '10000',
        ATTUNE_ADMIN_KEY: TEST_ADMIN_KEY,
        ATTUNE_SECRET_KEY: TEST_SECRET_KEY,
        ...transportEnv(),
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: options.cwd,
    });
    return new AttuneProcess(child, port);
  }

  /** Starts a process and waits until /health/ready says 200. */
  static async startReady(options: AttuneOptions): Promise<AttuneProcess> {
    const app = await AttuneProcess.start(options);
    await app.waitUntilReady();
    return app;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The typed client with the suites' admin key; answers checked against the document. */
  get api(): AttuneClient {
    this.client ??= typedClient(this.url);
    return this.client;
  }

  get pid(): number {
    return this.child.pid!;
  }

  async waitUntilReady(timeoutMs = 30_000): Promise<void> {
    // A process that exits will never be ready: say so at once, not at the timeout.
    let ready = false;
    const exited = this.exitPromise.then(({ code, signal }) => {
      if (!ready)
        throw new Error(`process exited (${code ?? signal}) before it was ready:\n${this.tail()}`);
    });
    await Promise.race([
      waitFor(async () => (await this.health('ready')).status === 200, {
        timeoutMs,
        description: `attune on port ${this.port} to be ready\n${this.tail()}`,
      }),
      exited,
    ]);
    ready = true;
  }

  async health(kind: 'live' | 'ready'): Promise<{ status: number; body: HealthBody }> {
    const response = await fetch(`${this.url}/health/${kind}`);
    return { status: response.status, body: (await response.json()) as HealthBody };
  }

  /** JSON request to the process's HTTP API (with the admin key unless `headers` has a key). */
  async request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T }> {
    const options = typeof body === 'string' ? { raw: body, headers } : { json: body, headers };
    const { status, body: parsed } = await httpRequest(this.url, method, path, options);
    return { status, body: parsed as T };
  }

  /** One sample of a metric from the process's /metrics (undefined when it has none yet). */
  async metric(name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
    const { body } = await this.request<string>('GET', '/metrics');
    return metricValue(body, name, labels);
  }

  /** Log lines parsed as JSON (lines that are not JSON are skipped). */
  logs(): Array<Record<string, unknown>> {
    return this.output.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }

  tail(lines = 30): string {
    return this.output.slice(-lines).join('\n');
  }

  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.exitPromise;
  }

  /** SIGTERM and wait for the exit; fails if the process logged an unhandled rejection. */
  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const exit = await this.exitPromise;
    this.assertNoUnhandledRejections();
    return exit;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    if (signal === 'SIGKILL') await this.exitPromise;
    this.assertNoUnhandledRejections();
  }

  /** A promise nobody awaited failed in the process: a bug, even if the process carried on. */
  assertNoUnhandledRejections(): void {
    const lines = this.output.filter((line) => line.includes('unhandled rejection'));
    if (lines.length > 0) {
      throw new Error(
        `process on port ${this.port} logged unhandled rejections:\n${lines.join('\n')}`,
      );
    }
  }
}

export interface HealthBody {
  status: string;
  info?: Record<string, { status: string; message?: string; [key: string]: unknown }>;
  error?: Record<string, { status: string; message?: string; [key: string]: unknown }>;
  details: Record<string, { status: string; message?: string; [key: string]: unknown }>;
}

/** Runs the app to completion (for start-up failures): exit code and everything it printed. */
export async function runToExit(
  env: Record<string, string>,
  timeoutMs = 15_000,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  return { code, output };
}
