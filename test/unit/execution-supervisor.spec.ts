import { randomBytes } from 'node:crypto';
import type { PayloadOf } from '../../src/domain/messages';
import { PURE_RUNNERS } from '../../src/domain/core-pack';
import { UnprocessableMessageError } from '../../src/messaging/message-context';
import { ExecutionSupervisor } from '../../src/roles/worker/execution-supervisor';
import { createRunners, DestinationPolicy } from '../../src/roles/worker/runners';
import { SecretCipher } from '../../src/secrets/secret-cipher';
import { SecretResolver, secretContext } from '../../src/secrets/secret-resolver.service';
import type { ExecutionStore } from '../../src/stores/execution.store';
import type { SecretStore } from '../../src/stores/secret.store';
import {
  FakeExecutionStore,
  lifecycleOver,
  RecordingNotifications,
  RecordingPublisher,
  testConfig,
} from '../support/fakes';
import { waitFor } from '../support/wait-for';

const WORKER = '6a1f4c0e-1111-4222-8333-944444444444';
const SECRET = 'sw0rdfish-of-the-vault';

function setUp() {
  const store = new FakeExecutionStore();
  const publisher = new RecordingPublisher();
  const notifications = new RecordingNotifications();
  const cipher = new SecretCipher(randomBytes(32).toString('base64'));
  const secrets = {
    sealedValues: async (names: string[]) =>
      new Map(
        names.filter((n) => n === 'pw').map((n) => [n, cipher.seal(SECRET, secretContext(n))]),
      ),
  };
  const supervisor = new ExecutionSupervisor(
    testConfig(),
    store as unknown as ExecutionStore,
    lifecycleOver(store, publisher, notifications),
    publisher,
    new SecretResolver(cipher, secrets as unknown as SecretStore),
  );
  supervisor.setWorkerId(WORKER);
  const request = (
    runner: string,
    parameters: Record<string, unknown>,
    timeoutMs = 30_000,
  ): PayloadOf<'ExecutionRequested'> => {
    const row = store.add({ status: 'scheduled', worker_id: WORKER, parameters });
    return {
      execution_id: row.id,
      action: `core.${runner}`,
      attempt: 1,
      runner,
      parameters,
      timeout_ms: timeoutMs,
      worker_id: WORKER,
    };
  };
  const completion = (id: string) =>
    waitFor(
      () => publisher.ofType('ExecutionCompleted').find((m) => m.payload.execution_id === id),
      { description: `the completion of ${id}` },
    ).then((m) => m.payload);
  return { store, publisher, notifications, supervisor, request, completion };
}

describe('ExecutionSupervisor: the worker runs what it claims', () => {
  it('claims and finishes a pure built-in in one step and announces it, sending no completion', async () => {
    const { store, publisher, notifications, supervisor, request } = setUp();
    const echo = request('echo', { say: 'hi' });
    await supervisor.start(echo);
    expect((await store.get(echo.execution_id))!).toMatchObject({
      status: 'succeeded',
      result: { say: 'hi' },
    });
    expect(notifications.statusesOf(echo.execution_id)).toEqual(['running', 'succeeded']);
    expect(publisher.published).toEqual([]);
  });

  it('claims a shell action, announces running itself, and reports the outcome', async () => {
    const { store, notifications, supervisor, request, completion } = setUp();
    const shell = request('shell', { cmd: 'echo "out $1"', args: ['one'] });
    await supervisor.start(shell);
    expect((await store.get(shell.execution_id))!.status).toBe('running');
    expect(notifications.statusesOf(shell.execution_id)).toEqual(['running']);
    expect(await completion(shell.execution_id)).toMatchObject({
      status: 'succeeded',
      attempt: 1,
      worker_id: WORKER,
      result: { exit_code: 0, stdout: 'out one\n', stderr: '' },
    });
  });

  it('runs nothing when the claim is refused (moved to another worker, or already running)', async () => {
    const { store, publisher, supervisor, request } = setUp();
    const moved = request('shell', { cmd: 'touch /tmp/never' });
    store.rows.get(moved.execution_id)!.worker_id = 'another-worker';
    await supervisor.start(moved);
    const pure = request('echo', {});
    store.rows.get(pure.execution_id)!.status = 'running';
    await supervisor.start(pure);
    expect(supervisor.inFlight).toBe(0);
    expect(publisher.published).toEqual([]);
    expect((await store.get(moved.execution_id))!.status).toBe('scheduled');
  });

  it('stops a running action on cancel, and one over its time on timeout', async () => {
    const { supervisor, request, completion } = setUp();
    const canceled = request('sleep', { seconds: 30 });
    const late = request('sleep', { seconds: 30 }, 50);
    await supervisor.start(canceled);
    await supervisor.start(late);
    expect(supervisor.cancel(canceled.execution_id)).toBe(true);
    expect(await completion(canceled.execution_id)).toMatchObject({
      status: 'canceled',
      error: 'canceled',
    });
    expect(await completion(late.execution_id)).toMatchObject({
      status: 'timeout',
      error: 'timed out after 50 ms',
    });
    expect(supervisor.cancel('not-running-here')).toBe(false);
  });

  it('puts secrets in just before running and masks them in what comes back', async () => {
    const { store, supervisor, request, completion } = setUp();
    const shell = request('shell', {
      cmd: 'echo "env $PW"; echo arg {{ secret.pw }}',
      env: { PW: '{{ secret.pw }}' },
    });
    await supervisor.start(shell);
    expect(await completion(shell.execution_id)).toMatchObject({
      status: 'succeeded',
      result: { stdout: 'env ***\narg ***\n' },
    });
    const echo = request('echo', { token: '{{ secret.pw }}', missing: 'x' });
    await supervisor.start(echo);
    expect((await store.get(echo.execution_id))!.result).toEqual({ token: '***', missing: 'x' });
    const unknown = request('echo', { token: '{{ secret.nope }}' });
    await supervisor.start(unknown);
    expect((await store.get(unknown.execution_id))!).toMatchObject({
      status: 'failed',
      error: "secret 'nope' does not exist",
    });
  });

  it('refuses a request it cannot run: unknown runner, or no parameters', async () => {
    const { supervisor, request } = setUp();
    await expect(supervisor.start(request('teleport', {}))).rejects.toThrow(
      UnprocessableMessageError,
    );
    await expect(
      supervisor.start({ ...request('echo', {}), parameters: undefined }),
    ).rejects.toThrow(/without a known runner, parameters and timeout/);
  });
});

describe('pure runners', () => {
  it('are exactly those the executor lets through without a worker slot', () => {
    const runners = createRunners({ httpDeny: new DestinationPolicy([]) });
    const pure = [...runners.values()].filter((r) => r.pure).map((r) => r.name);
    expect(pure.sort()).toEqual([...PURE_RUNNERS].sort());
  });
});
