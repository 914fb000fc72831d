import { AttuneProcess } from '../support/attune-process';
import { createOk, executionReaches } from '../support/attune-api';
import { TestDatabase } from '../support/database';
import { metricValue, promtoolCheck, seriesOf } from '../support/metrics';
import { deleteTopology, uniquePrefix } from '../support/rabbit';

const WORKER_RESTARTS = 20;
const STAGES = ['queued', 'dispatch', 'run', 'total'];

/**
 * What a Prometheus server scrapes from each role: names and types promtool accepts, series that
 * do not grow as workers come and go, and execution stages counted once each.
 */
describe('metrics', () => {
  const db = new TestDatabase();
  const prefix = uniquePrefix('metrics');
  const processes: AttuneProcess[] = [];
  let api: AttuneProcess;
  let executor: AttuneProcess;
  let sensor: AttuneProcess;
  let notifier: AttuneProcess;
  let worker: AttuneProcess;
  const workerIds: string[] = [];

  const start = async (roles: string, env: Record<string, string> = {}) => {
    const app = await AttuneProcess.startReady({ roles, databaseUrl: db.url, prefix, env });
    processes.push(app);
    return app;
  };

  const scrape = async (app: AttuneProcess) => (await app.request<string>('GET', '/metrics')).body;

  /** Series that labels can multiply: Node's own (handle types, GC kinds) come and go by themselves. */
  const labelledSeries = async (app: AttuneProcess) =>
    seriesOf(await scrape(app)).filter(
      (line) => !line.startsWith('attune_nodejs_') && !line.startsWith('attune_process_'),
    );

  /** A worker under a new name (so a new id and a new queue) that runs one execution, and stops. */
  const workerGeneration = async (generation: number, keepRunning = false) => {
    const name = `metrics-worker-${generation}`;
    const next = await start('worker', { WORKER_NAME: name });
    const { id } = await createOk(api, '/api/v1/executions', {
      action: 'core.sleep',
      parameters: { seconds: 0.01 },
    });
    const done = await executionReaches(api, id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    workerIds.push(done.worker_id);
    if (keepRunning) return next;
    await next.stop();
    return undefined;
  };

  beforeAll(async () => {
    await db.create();
    api = await start('api');
    executor = await start('executor');
    sensor = await start('sensor');
    notifier = await start('notifier');
  });

  afterAll(async () => {
    // Stopped, not killed: a notifier's exclusive queue goes with its connection.
    await Promise.all(processes.map((p) => p.stop()));
    await deleteTopology(prefix);
    await db.drop();
  });

  it(`adds no series on the executor over ${WORKER_RESTARTS} worker restarts with new ids`, async () => {
    await workerGeneration(0);
    const afterOne = await labelledSeries(executor);

    for (let generation = 1; generation < WORKER_RESTARTS; generation++) {
      await workerGeneration(generation);
    }
    worker = (await workerGeneration(WORKER_RESTARTS, true))!;
    const afterAll = await labelledSeries(executor);

    expect(new Set(workerIds).size).toBe(WORKER_RESTARTS + 1);
    expect(afterAll.length).toBe(afterOne.length);
    // The series are the same ones, and none names a worker.
    const names = (lines: string[]) => lines.map((line) => line.slice(0, line.lastIndexOf(' ')));
    expect(names(afterAll).sort()).toEqual(names(afterOne).sort());
    expect(afterAll.filter((line) => workerIds.some((id) => line.includes(id)))).toEqual([]);
    // Every worker's queue is counted under one label, on the worker and where it dead-letters.
    expect(
      metricValue(await scrape(worker), 'attune_messages_consumed_total', {
        queue: `${prefix}.worker.executions`,
      }),
    ).toBe(1);
  }, 240_000);

  it('times every stage of every execution once, on the executor that finished it', async () => {
    const executions = WORKER_RESTARTS + 1;
    const text = await scrape(executor);
    for (const stage of STAGES) {
      expect({
        stage,
        count: metricValue(text, 'attune_execution_stage_duration_seconds_count', {
          stage,
          status: 'succeeded',
        }),
      }).toEqual({ stage, count: executions });
    }
    expect(metricValue(text, 'attune_executions_finished_total', { status: 'succeeded' })).toBe(
      executions,
    );

    // A pure action is claimed and finished by its worker in one statement: counted there, once.
    const { id } = await createOk(api, '/api/v1/executions', { action: 'core.noop' });
    await executionReaches(api, id, ['succeeded']);
    const onWorker = await scrape(worker);
    expect(metricValue(onWorker, 'attune_executions_finished_total', { status: 'succeeded' })).toBe(
      1,
    );
    expect(
      metricValue(onWorker, 'attune_execution_stage_duration_seconds_count', {
        stage: 'total',
        status: 'succeeded',
      }),
    ).toBe(1);
    expect(
      metricValue(await scrape(executor), 'attune_executions_finished_total', {
        status: 'succeeded',
      }),
    ).toBe(executions);
  });

  it('serves /metrics that promtool accepts on every role', async () => {
    const roles = { api, executor, sensor, notifier, worker };
    const verdicts = await Promise.all(
      Object.entries(roles).map(async ([role, app]) => ({
        role,
        ...(await promtoolCheck(await scrape(app))),
      })),
    );
    expect(verdicts).toEqual(Object.keys(roles).map((role) => ({ role, code: 0, output: '' })));
    // Labelled series were there to check: queues, stages and DLQ depths.
    expect(
      metricValue(await scrape(api), 'attune_dead_letter_queue_messages', {
        queue: `${prefix}.worker.executions.dlq`,
      }),
    ).toBe(0);
  });
});
