import { randomUUID } from 'node:crypto';
import { createTriggerWithRule, executionReaches } from '../support/attune-api';
import { AttuneProcess } from '../support/attune-process';
import { TestDatabase } from '../support/database';
import { ADMIN_AUTH, TEST_TRANSPORT } from '../support/env';
import { SseFeed, statusesOf, WsFeed } from '../support/live-feeds';
import { metricValue } from '../support/metrics';
import { deleteTopology, listQueues, uniquePrefix } from '../support/rabbit';
import { waitFor } from '../support/wait-for';

const LIFE = ['requested', 'scheduled', 'running', 'succeeded'];

/** Waits until `feed` has seen the whole life of each execution. */
const sawLives = (feed: { notifications: Array<Record<string, unknown>> }, ids: string[]) =>
  waitFor(() => ids.every((id) => statusesOf(feed.notifications, id).includes('succeeded')), {
    description: `a feed to see ${ids.length} execution(s) succeed`,
  });

// One api/executor/worker process and two notifier replicas on the same database and broker.
describe('notifier: live notifications over WebSocket and SSE', () => {
  const db = new TestDatabase();
  const prefix = uniquePrefix('notify');
  let core: AttuneProcess;
  let notifierA: AttuneProcess;
  let notifierB: AttuneProcess;
  const feeds: Array<{ close(): void }> = [];

  const ws = async (notifier: AttuneProcess, query = '') => {
    const feed = await WsFeed.open(`ws://127.0.0.1:${notifier.port}/ws${query}`);
    feeds.push(feed);
    return feed;
  };
  const sse = async (notifier: AttuneProcess, query = '', headers?: Record<string, string>) => {
    const feed = await SseFeed.open(`${notifier.url}/api/v1/stream${query}`, headers);
    feeds.push(feed);
    return feed;
  };
  const run = async (action: string, parameters: object, headers?: Record<string, string>) => {
    const created = await core.request(
      'POST',
      '/api/v1/executions',
      { action, parameters },
      headers,
    );
    expect(created.status).toBe(201);
    return created.body.id as string;
  };

  beforeAll(async () => {
    await db.create();
    core = await AttuneProcess.startReady({
      roles: 'api,executor,worker',
      databaseUrl: db.url,
      prefix,
    });
    const notifier = (id: string) =>
      AttuneProcess.startReady({
        roles: 'notifier',
        databaseUrl: db.url,
        prefix,
        env: { INSTANCE_ID: id, NOTIFIER_HEARTBEAT_MS: '1000' },
      });
    [notifierA, notifierB] = await Promise.all([notifier('notifier-a'), notifier('notifier-b')]);
  });

  afterAll(async () => {
    for (const feed of feeds) feed.close();
    await Promise.all([core, notifierA, notifierB].map((app) => app?.stop()));
    await deleteTopology(prefix);
    await db.drop();
  });

  it('shows a WebSocket and an SSE client the whole life of an execution, in order, with its correlation id', async () => {
    const [wsFeed, sseFeed] = await Promise.all([
      ws(notifierA, '?action=core.echo'),
      sse(notifierA, '?action=core.echo'),
    ]);
    expect(sseFeed.status).toBe(200);
    expect(sseFeed.response.headers['content-type']).toMatch(/^text\/event-stream/);

    const correlationId = randomUUID();
    const id = await run('core.echo', { hello: 'live' }, { 'x-correlation-id': correlationId });
    await sawLives(wsFeed, [id]);
    await sawLives(sseFeed, [id]);

    for (const feed of [wsFeed, sseFeed]) {
      const mine = feed.notifications.filter((n) => n.execution_id === id);
      expect(mine.map((n) => n.status)).toEqual(LIFE);
      for (const n of mine) {
        expect(n).toMatchObject({
          type: 'NotificationCreated',
          kind: 'execution',
          action: 'core.echo',
          correlation_id: correlationId,
          created_at: expect.any(String),
          at: expect.any(String),
        });
      }
      expect(mine[3]).toMatchObject({
        started_at: expect.any(String),
        finished_at: expect.any(String),
        worker_id: expect.any(String),
      });
      const ids = mine.map((n) => n.id as number);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    }
    // SSE event ids carry the notifier's sequence (the JSON id) for Last-Event-ID.
    const events = sseFeed.events.filter((e) => e.data?.includes(id));
    expect(events.map((e) => e.id)).toEqual(
      sseFeed.notifications
        .filter((n) => n.execution_id === id)
        .map((n) => expect.stringMatching(new RegExp(`^[0-9a-f]+-${n.id}$`))),
    );
  });

  it('shows a rule-fired execution the same life: scheduled as it is created, claimed and finished at once', async () => {
    await createTriggerWithRule(core, 'notify.ping', {
      ref: 'notify.on_ping',
      action: 'core.noop',
    });
    const feed = await ws(notifierA);
    // What the shortcuts save: no trip through the scheduler's queue, and for an action without
    // side effects no `running` report and no completion message (the worker records both
    // itself, and announces them).
    const counters = async () => {
      const text = (await core.request<string>('GET', '/metrics')).body;
      return {
        throughScheduler:
          metricValue(text, 'attune_messages_consumed_total', {
            queue: `${prefix}.executions.queue`,
          }) ?? 0,
        runningReports:
          metricValue(text, 'attune_messages_published_total', {
            type: 'ExecutionStatusChanged',
          }) ?? 0,
        completions:
          metricValue(text, 'attune_messages_published_total', { type: 'ExecutionCompleted' }) ?? 0,
      };
    };
    const before = await counters();

    const correlationId = randomUUID();
    const accepted = await core.request(
      'POST',
      '/api/v1/webhooks/notify.ping',
      { n: 1 },
      { 'x-correlation-id': correlationId },
    );
    expect(accepted.status).toBe(202);
    const mine = () => feed.notifications.filter((n) => n.correlation_id === correlationId);
    await waitFor(() => mine().some((n) => n.status === 'succeeded'), {
      description: 'the rule-fired execution to succeed on the feed',
    });

    expect(mine().map((n) => n.status)).toEqual(LIFE);
    expect(mine()[0]).toMatchObject({ worker_id: null, scheduled_at: null });
    expect(mine()[1]).toMatchObject({
      worker_id: expect.any(String),
      scheduled_at: expect.any(String),
    });
    expect(mine()[2]).toMatchObject({ started_at: expect.any(String), finished_at: null });
    expect(await counters()).toEqual(before);
    // One statement claimed it and recorded the outcome.
    const execution = await executionReaches(core, mine()[0].execution_id as string, ['succeeded']);
    expect(execution.started_at).toBe(execution.finished_at);
    expect(execution.worker_id).toBe(mine()[3].worker_id);
  });

  it('gives every notifier replica every notification (one exclusive queue each)', async () => {
    const queues =
      TEST_TRANSPORT === 'postgres'
        ? (await db.query<{ name: string }>('SELECT name FROM mq_queue')).map((q) => q.name)
        : (await listQueues(prefix)).map((q) => q.name);
    expect(queues).toEqual(
      expect.arrayContaining([
        `${prefix}.notifications.notifier-a`,
        `${prefix}.notifications.notifier-b`,
      ]),
    );
    const clients = await Promise.all([
      ws(notifierA),
      ws(notifierB),
      sse(notifierA),
      sse(notifierB),
    ]);
    const ids = await Promise.all([1, 2, 3, 4, 5].map((n) => run('core.noop', { n })));
    for (const feed of clients) {
      await sawLives(feed, ids);
      for (const id of ids) expect(statusesOf(feed.notifications, id)).toEqual(LIFE);
    }
  });

  it('filters by execution id, action, message type and kind', async () => {
    const sleeper = await run('core.sleep', { seconds: 1 });
    const [byExecution, byKind, byType, byTwoActions] = await Promise.all([
      ws(notifierB, `?execution_id=${sleeper}`),
      ws(notifierB, '?kind=inquiry'),
      sse(notifierB, '?type=NotificationCreated&action=core.noop'),
      sse(notifierB, '?action=core.noop,core.sleep'),
    ]);
    const noop = await run('core.noop', {});
    await sawLives(byTwoActions, [noop, sleeper]);
    await sawLives(byExecution, [sleeper]);
    await sawLives(byType, [noop]);

    expect(new Set(byExecution.notifications.map((n) => n.execution_id))).toEqual(
      new Set([sleeper]),
    );
    expect(byType.notifications.every((n) => n.action === 'core.noop')).toBe(true);
    expect(
      byTwoActions.notifications.every((n) => ['core.noop', 'core.sleep'].includes(n.action)),
    ).toBe(true);
    expect(byKind.notifications).toEqual([]);
  });

  it('refuses a bad filter: 400 for SSE, close 1008 with the reason for WebSocket', async () => {
    const bad = await fetch(`${notifierA.url}/api/v1/stream?execution_id=nope&kind=bogus`, {
      headers: ADMIN_AUTH,
    });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { message: string };
    expect(body.message).toMatch(/execution_id nope is not a UUID/);
    expect(body.message).toMatch(/kind bogus unknown; valid: execution, inquiry/);

    const refused = await ws(notifierA, '?type=ExecutionRequested');
    await waitFor(() => refused.closed, { description: 'the refused socket to close' });
    expect(refused.closed).toEqual({
      code: 1008,
      reason: 'invalid filter: type ExecutionRequested unknown; valid: NotificationCreated',
    });
  });

  it('keeps idle connections alive with heartbeats: ping frames and `: ping` comments', async () => {
    const [wsFeed, sseFeed] = await Promise.all([ws(notifierA), sse(notifierA)]);
    await waitFor(
      () => wsFeed.pings >= 2 && sseFeed.comments.filter((c) => c === 'ping').length >= 2,
      {
        description: 'two heartbeats on each connection',
      },
    );
    expect(wsFeed.closed).toBeUndefined();
    expect(sseFeed.ended).toBe(false);
    const metrics = (await notifierA.request<string>('GET', '/metrics')).body;
    expect(metricValue(metrics, 'attune_notifier_clients', { transport: 'ws' })).toBeGreaterThan(0);
    expect(metricValue(metrics, 'attune_notifier_clients', { transport: 'sse' })).toBeGreaterThan(
      0,
    );
  });

  it('cuts off a WebSocket client that stops answering pings', async () => {
    const frozen = await ws(notifierB);
    frozen.pause();
    const unresponsive = async () =>
      metricValue(
        (await notifierB.request<string>('GET', '/metrics')).body,
        'attune_notifier_clients_dropped_total',
        {
          transport: 'ws',
          reason: 'unresponsive',
        },
      );
    await waitFor(async () => (await unresponsive()) === 1, {
      description: 'the frozen client to be dropped as unresponsive',
    });
    frozen.resume();
    await waitFor(() => frozen.closed, {
      description: 'the frozen client to see its socket close',
    });
    expect(frozen.closed?.code).toBe(1006);
  });

  it('resumes an SSE stream from Last-Event-ID, and says `reset` when it cannot', async () => {
    const first = await sse(notifierB, '?action=core.echo');
    const before = await run('core.echo', { step: 1 });
    await sawLives(first, [before]);
    const lastSeen = first.lastEventId!;
    first.close();

    // Missed while disconnected; a client that stayed connected shows when it has all gone by.
    const witness = await ws(notifierB);
    const missed = await run('core.echo', { step: 2 });
    await sawLives(witness, [missed]);

    const resumed = await sse(notifierB, '?action=core.echo', { 'last-event-id': lastSeen });
    await sawLives(resumed, [missed]);
    expect(resumed.named('reset')).toEqual([]);
    expect(statusesOf(resumed.notifications, missed)).toEqual(LIFE);
    expect(statusesOf(resumed.notifications, before)).toEqual([]);

    const byQuery = await sse(notifierB, `?action=core.echo&last_event_id=${lastSeen}`);
    await sawLives(byQuery, [missed]);

    // An id from another replica (or an earlier run) cannot be resumed: reset, then live events.
    const foreign = await sse(notifierA, '?action=core.echo', { 'last-event-id': lastSeen });
    await waitFor(() => foreign.named('reset').length === 1, { description: 'a reset event' });
    expect(JSON.parse(foreign.named('reset')[0].data!).reason).toMatch(/not from this notifier/);
    const after = await run('core.echo', { step: 3 });
    await sawLives(foreign, [after]);
    expect(statusesOf(foreign.notifications, missed)).toEqual([]);
    await executionReaches(core, after, ['succeeded']);
  });

  it('resumes a WebSocket from ?last_event_id=, and sends a reset frame when it cannot', async () => {
    const first = await ws(notifierB, '?action=core.echo');
    const before = await run('core.echo', { step: 1 });
    await sawLives(first, [before]);
    const lastSeen = first.notifications[first.notifications.length - 1].event_id as string;
    expect(lastSeen).toMatch(/^[0-9a-f]+-\d+$/);
    first.close();

    const witness = await ws(notifierB);
    const missed = await run('core.echo', { step: 2 });
    await sawLives(witness, [missed]);

    const resumed = await ws(notifierB, `?action=core.echo&last_event_id=${lastSeen}`);
    await sawLives(resumed, [missed]);
    expect(resumed.notifications.filter((n) => n.type === 'reset')).toEqual([]);
    expect(statusesOf(resumed.notifications, missed)).toEqual(LIFE);
    expect(statusesOf(resumed.notifications, before)).toEqual([]);

    const foreign = await ws(notifierA, `?action=core.echo&last_event_id=${lastSeen}`);
    await waitFor(() => foreign.notifications.some((n) => n.type === 'reset'), {
      description: 'a reset frame',
    });
    expect(foreign.notifications[0]).toMatchObject({
      type: 'reset',
      reason: expect.stringMatching(/not from this notifier/),
    });
    expect(statusesOf(foreign.notifications, missed)).toEqual([]);
  });
});
