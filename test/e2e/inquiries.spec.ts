import { createOk, executionReaches } from '../support/attune-api';
import { AttuneProcess } from '../support/attune-process';
import { TestDatabase } from '../support/database';
import { statusesOf, WsFeed } from '../support/live-feeds';
import { deleteTopology, uniquePrefix } from '../support/rabbit';
import { waitFor } from '../support/wait-for';

const APPROVAL = {
  type: 'object',
  properties: { approve: { type: 'boolean' } },
  required: ['approve'],
};

// Every role but the sensor in one process; a WebSocket client watches the notifications.
describe('inquiries: core.ask waits for a person', () => {
  const db = new TestDatabase();
  const prefix = uniquePrefix('ask');
  let app: AttuneProcess;
  let feed: WsFeed;

  const ask = async (timeoutMs: number) => {
    const created = await app.request('POST', '/api/v1/executions', {
      action: 'core.ask',
      parameters: { prompt: 'Deploy to production?', schema: APPROVAL, timeout_ms: timeoutMs },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    await executionReaches(app, id, ['paused']);
    const inquiry = await waitFor(
      async () => {
        const { body } = await app.request('GET', '/api/v1/inquiries?status=pending');
        return body.items.find((i: { execution_id: string }) => i.execution_id === id);
      },
      { description: `the inquiry of execution ${id} to be listed as pending` },
    );
    return { executionId: id, inquiry };
  };
  const respond = (inquiryId: string, response: unknown) =>
    app.request('POST', `/api/v1/inquiries/${inquiryId}/respond`, { response });

  beforeAll(async () => {
    await db.create();
    app = await AttuneProcess.startReady({
      roles: 'api,executor,worker,notifier',
      databaseUrl: db.url,
      prefix,
    });
    feed = await WsFeed.open(`ws://127.0.0.1:${app.port}/ws?action=core.ask`);
    // Chaining: every answered inquiry fires core.inquiry, which this rule turns into an echo.
    await createOk(app, '/api/v1/rules', {
      ref: 'test.after_answer',
      trigger: 'core.inquiry',
      action: 'core.echo',
      parameters: {
        inquiry: '{{ event.payload.inquiry_id }}',
        approved: '{{ event.payload.response.approve }}',
      },
    });
  });

  afterAll(async () => {
    feed?.close();
    await app?.stop();
    await deleteTopology(prefix);
    await db.drop();
  });

  it('pauses, takes a valid answer as its result, refuses an invalid one (400) and a second one (409)', async () => {
    const { executionId, inquiry } = await ask(60_000);
    expect(inquiry).toMatchObject({
      status: 'pending',
      prompt: 'Deploy to production?',
      schema: APPROVAL,
      response: null,
    });

    const invalid = await respond(inquiry.id, { approve: 'yes' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.message).toMatch(/response\.approve must be boolean/);
    expect((await respond(inquiry.id, {})).status).toBe(400);
    expect((await app.request('GET', `/api/v1/executions/${executionId}`)).body.status).toBe(
      'paused',
    );

    const valid = await respond(inquiry.id, { approve: true });
    expect(valid.status).toBe(200);
    expect(valid.body).toMatchObject({ id: inquiry.id, status: 'responded' });
    const done = await executionReaches(app, executionId, ['succeeded', 'failed', 'timeout']);
    expect(done).toMatchObject({ status: 'succeeded', result: { approve: true } });

    const again = await respond(inquiry.id, { approve: false });
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/responded, not pending/);
    const responded = await app.request('GET', '/api/v1/inquiries?status=responded');
    expect(responded.body.items.map((i: { id: string }) => i.id)).toContain(inquiry.id);

    // Live clients saw the execution pause and finish, and the inquiry open and get answered.
    await waitFor(() => statusesOf(feed.notifications, executionId).includes('succeeded'), {
      description: 'the succeeded notification',
    });
    expect(statusesOf(feed.notifications, executionId)).toEqual([
      'requested',
      'scheduled',
      'running',
      'paused',
      'succeeded',
    ]);
    expect(statusesOf(feed.notifications, executionId, 'inquiry')).toEqual([
      'pending',
      'responded',
    ]);
    const inquiryEvents = feed.notifications.filter((n) => n.kind === 'inquiry');
    expect(inquiryEvents.every((n) => n.inquiry_id && n.correlation_id)).toBe(true);
  });

  it('times out an unanswered inquiry: inquiry timeout, execution timeout, a late answer 409', async () => {
    const { executionId, inquiry } = await ask(1500);
    const execution = await executionReaches(app, executionId, ['timeout', 'succeeded', 'failed']);
    expect(execution.status).toBe('timeout');
    expect(execution.error).toMatch(new RegExp(`inquiry ${inquiry.id} was not answered`));
    expect((await app.request('GET', `/api/v1/inquiries/${inquiry.id}`)).body.status).toBe(
      'timeout',
    );

    const late = await respond(inquiry.id, { approve: true });
    expect(late.status).toBe(409);
    expect(late.body.message).toMatch(/timeout, not pending/);

    await waitFor(
      () => statusesOf(feed.notifications, executionId, 'inquiry').includes('timeout'),
      { description: 'the inquiry timeout notification' },
    );
    expect(statusesOf(feed.notifications, executionId)).toEqual([
      'requested',
      'scheduled',
      'running',
      'paused',
      'timeout',
    ]);
  });

  it('chains a rule on core.inquiry when an inquiry is answered', async () => {
    const { inquiry } = await ask(60_000);
    expect((await respond(inquiry.id, { approve: false })).status).toBe(200);

    const chained = await waitFor(
      async () => {
        const { body } = await app.request('GET', '/api/v1/executions?action=core.echo&limit=100');
        return body.items.find(
          (e: { parameters: { inquiry?: string } }) => e.parameters.inquiry === inquiry.id,
        );
      },
      { description: 'the execution the rule started for the answer' },
    );
    expect(chained.enforcement_id).toEqual(expect.any(String));
    const done = await executionReaches(app, chained.id, ['succeeded', 'failed']);
    expect(done.result).toEqual({ inquiry: inquiry.id, approved: false });
  });
});
