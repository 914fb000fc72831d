import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AttuneProcess, freePort } from '../support/attune-process';
import { createOk } from '../support/attune-api';
import { uniquePrefix } from '../support/rabbit';
import { waitFor } from '../support/wait-for';

// The first start runs initdb and every migration on two busy cores: more than the usual 30 s.
const FIRST_START_MS = 90_000;

describe('embedded PostgreSQL (DATABASE_URL unset)', () => {
  const prefix = uniquePrefix('emb');
  const workDir = mkdtempSync(join(tmpdir(), 'attune-embedded-'));
  // Run as root, PostgreSQL runs as the postgres user, which must reach the data directory.
  chmodSync(workDir, 0o755);
  // ATTUNE_DATA_DIR unset: ./.attune in the working directory.
  const dataDir = join(workDir, '.attune');
  const lockFile = join(dataDir, 'attune.lock');
  const started: AttuneProcess[] = [];
  let closedPort: number;

  beforeAll(async () => {
    closedPort = await freePort();
  });

  const start = async () => {
    // What a newcomer runs: no DATABASE_URL, no AMQP_URL, no MQ_TRANSPORT. The usual
    // PostgreSQL variables point at a port nobody listens on, so nothing may reach a server.
    const app = await AttuneProcess.start({
      prefix,
      cwd: workDir,
      env: { AMQP_URL: '', MQ_TRANSPORT: '', PGHOST: '127.0.0.1', PGPORT: String(closedPort) },
    });
    started.push(app);
    return app;
  };

  afterAll(async () => {
    await Promise.all(started.map((app) => app.stop()));
    // A server a failed run left behind (its process killed) must not outlive the suite.
    const postmaster = join(dataDir, 'pg', 'postmaster.pid');
    if (existsSync(postmaster)) {
      try {
        process.kill(Number(readFileSync(postmaster, 'utf8').split('\n')[0]), 'SIGINT');
      } catch {
        // Gone already.
      }
    }
    rmSync(workDir, { recursive: true, force: true });
  });

  it('runs on a PostgreSQL of its own, keeps the data across restarts and crashes, one process per directory', async () => {
    const first = await start();
    await first.waitUntilReady(FIRST_START_MS);
    // Messages travel through that PostgreSQL too: no RabbitMQ anywhere.
    const ready = (await (await fetch(`${first.url}/health/ready`)).json()) as {
      info: { broker: { transport: string } };
    };
    expect(ready.info.broker.transport).toBe('postgres');
    const logs = first.logs().map((entry) => String(entry.msg));
    const startedLine = logs.find((msg) => msg.startsWith('embedded PostgreSQL started'));
    expect(startedLine).toMatch(
      /^embedded PostgreSQL started in \d+ ms \(data directory .+, port \d+\)$/,
    );
    expect(startedLine).toContain(`(data directory ${dataDir}/pg, port `);
    // Embedded means a machine of one's own: listening on loopback unless HOST says otherwise.
    expect(logs).toContain(
      `listening on http://127.0.0.1:${first.port} (roles api,sensor,executor,worker,notifier)`,
    );
    // PostgreSQL's own log goes to its file, not to ours.
    expect(first.output.join('\n')).not.toContain('database system is ready');
    expect(readFileSync(join(dataDir, 'postgres.log'), 'utf8')).toContain(
      'database system is ready to accept connections',
    );

    await createOk(first, '/api/v1/rules', {
      ref: 'embedded.on_timer',
      trigger: 'core.timer',
      action: 'core.echo',
      parameters: { sensor: '{{ event.payload.sensor }}' },
    });
    await createOk(first, '/api/v1/sensors', {
      ref: 'embedded.every_1s',
      type: 'timer',
      trigger: 'core.timer',
      config: { interval_ms: 1000 },
    });
    const execution = await waitFor(
      async () =>
        (await first.request('GET', '/api/v1/executions?action=core.echo&status=succeeded&limit=1'))
          .body.items[0],
      { description: 'an execution of the timer rule to succeed' },
    );
    expect(execution.result).toMatchObject({ sensor: 'embedded.every_1s' });

    expect(await first.stop()).toEqual({ code: 0, signal: null });
    expect(existsSync(lockFile)).toBe(false);

    // A lock left by a process that is gone does not keep the next one out.
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(lockFile, JSON.stringify({ pid: gone, port: 1 }));
    const second = await start();
    await second.waitUntilReady(FIRST_START_MS);
    expect(await second.request('GET', `/api/v1/executions/${execution.id}`)).toMatchObject({
      status: 200,
      body: { id: execution.id, status: 'succeeded' },
    });

    const intruder = await start();
    expect((await intruder.exited()).code).toBe(1);
    expect(intruder.output).toEqual([
      `attune: ${dataDir} is in use by process ${second.pid} (stop it first or set ATTUNE_DATA_DIR)`,
    ]);

    // Killed outright: its lock and its PostgreSQL stay behind, and the next start copes.
    await second.kill('SIGKILL');
    expect(existsSync(lockFile)).toBe(true);
    const third = await start();
    await third.waitUntilReady(FIRST_START_MS);
    expect(third.logs().map((entry) => String(entry.msg))).toContainEqual(
      expect.stringMatching(/^stopping the PostgreSQL left running in .* \(pid \d+\)$/),
    );
    expect((await third.request('GET', `/api/v1/executions/${execution.id}`)).status).toBe(200);
    expect(await third.stop()).toEqual({ code: 0, signal: null });
    expect(existsSync(lockFile)).toBe(false);
    expect(existsSync(join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
  }, 240_000);
});
