import { randomUUID } from 'node:crypto';
import type { ConsumeMessage } from 'amqplib';
import { ExchangeTap } from '../support/rabbit';
import { waitFor } from '../support/wait-for';
import {
  ApiSuite,
  insertExecution,
  insertInquiry,
  send,
  startApiSuite,
  stopApiSuite,
} from '../support/api-suite';

const envelopeOf = (message: ConsumeMessage) => JSON.parse(message.content.toString());

/** Waits for the message of `type` about `id` (execution or inquiry) on a tap. */
const messageAbout = (tap: ExchangeTap, type: string, id: string) =>
  waitFor(
    () =>
      tap.messages.find((m) => {
        const envelope = envelopeOf(m);
        const payload = envelope.payload as Record<string, unknown>;
        return (
          envelope.message_type === type &&
          (payload.execution_id === id || payload.inquiry_id === id)
        );
      }),
    { description: `${type} about ${id}` },
  );

// ROLES=api only: nothing consumes, so every message the API publishes can be observed.
describe('api: executions, inquiries and history (api only)', () => {
  let suite: ApiSuite;
  let requested: ExchangeTap;
  let status: ExchangeTap;
  const api = (method: string, path: string, json?: unknown, headers?: Record<string, string>) =>
    send(suite.app, method, `/api/v1${path}`, { json, headers });

  beforeAll(async () => {
    suite = await startApiSuite('apiexec', 'api');
    requested = await ExchangeTap.open(`${suite.prefix}.executions`, 'execution.requested');
    status = await ExchangeTap.open(`${suite.prefix}.executions`, 'execution.status');
  });

  afterAll(async () => {
    await requested?.close();
    await status?.close();
    await stopApiSuite(suite);
  });

  it('creates an execution and publishes ExecutionRequested with the correlation id of the row', async () => {
    const correlationId = randomUUID();
    const created = await api(
      'POST',
      '/executions',
      { action: 'core.echo', parameters: { greeting: 'hi' } },
      { 'x-correlation-id': correlationId },
    );
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(String), status: 'requested' });

    const row = await api('GET', `/executions/${created.body.id}`);
    expect(row.body).toMatchObject({
      id: created.body.id,
      action: 'core.echo',
      status: 'requested',
      parameters: { greeting: 'hi' },
      result: null,
      correlation_id: correlationId,
      attempt: 1,
    });

    const message = await messageAbout(requested, 'ExecutionRequested', created.body.id);
    expect(message.properties.correlationId).toBe(row.body.correlation_id);
    expect(envelopeOf(message)).toMatchObject({
      correlation_id: row.body.correlation_id,
      payload: { execution_id: created.body.id, action: 'core.echo', attempt: 1 },
    });
  });

  it('without a correlation header, the row and the message share the one the API made', async () => {
    const created = await api('POST', '/executions', { action: 'core.noop' });
    expect(created.status).toBe(201);
    const headerId = created.headers.get('x-correlation-id');
    const row = await api('GET', `/executions/${created.body.id}`);
    expect(row.body.correlation_id).toBe(headerId);
    const message = await messageAbout(requested, 'ExecutionRequested', created.body.id);
    expect(envelopeOf(message).correlation_id).toBe(headerId);
  });

  it('replaces a correlation header that is not a UUID (ids are stored as uuids)', async () => {
    const created = await api(
      'POST',
      '/executions',
      { action: 'core.noop' },
      { 'x-correlation-id': 'order-42' },
    );
    expect(created.status).toBe(201);
    const headerId = created.headers.get('x-correlation-id');
    expect(headerId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect((await api('GET', `/executions/${created.body.id}`)).body.correlation_id).toBe(headerId);
  });

  it('merges the action defaults into the parameters', async () => {
    await api('POST', '/actions', {
      ref: 'exec.defaults',
      runner: 'echo',
      parameters_schema: { type: 'object', properties: { n: { type: 'integer' } } },
      defaults: { n: 1, label: 'x' },
    });
    const created = await api('POST', '/executions', {
      action: 'exec.defaults',
      parameters: { n: 2 },
    });
    expect((await api('GET', `/executions/${created.body.id}`)).body.parameters).toEqual({
      n: 2,
      label: 'x',
    });
  });

  it('lists newest first, filtered by action and status, with limit and offset', async () => {
    await api('POST', '/actions', { ref: 'exec.listed', runner: 'noop' });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await api('POST', '/executions', { action: 'exec.listed' })).body.id);
    }
    const firstPage = await api('GET', '/executions?action=exec.listed&limit=2');
    expect(firstPage.body).toMatchObject({ total: 3, limit: 2, offset: 0 });
    expect(firstPage.body.items.map((e: { id: string }) => e.id)).toEqual([ids[2], ids[1]]);
    const secondPage = await api('GET', '/executions?action=exec.listed&limit=2&offset=2');
    expect(secondPage.body.items.map((e: { id: string }) => e.id)).toEqual([ids[0]]);

    await api('POST', `/executions/${ids[1]}/cancel`);
    const canceled = await api('GET', '/executions?action=exec.listed&status=canceled');
    expect(canceled.body.items.map((e: { id: string }) => e.id)).toEqual([ids[1]]);
    const stillRequested = await api('GET', '/executions?action=exec.listed&status=requested');
    expect(stillRequested.body.total).toBe(2);
  });

  it('cancels a requested execution at once, and refuses to cancel it twice', async () => {
    const created = await api('POST', '/executions', { action: 'core.noop' });
    const canceled = await api('POST', `/executions/${created.body.id}/cancel`);
    expect(canceled.status).toBe(202);
    expect(canceled.body).toEqual({ id: created.body.id, status: 'canceled' });
    const row = await api('GET', `/executions/${created.body.id}`);
    expect(row.body).toMatchObject({ status: 'canceled', finished_at: expect.any(String) });

    const again = await api('POST', `/executions/${created.body.id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.message).toBe(`execution ${created.body.id} is already canceled`);
  });

  it('asks the worker of a running execution to stop it', async () => {
    const workerId = randomUUID();
    const workerTap = await ExchangeTap.open(`${suite.prefix}.executions`, `worker.${workerId}`);
    try {
      const running = await insertExecution(suite.db, { status: 'running', workerId });
      const response = await api('POST', `/executions/${running.id}/cancel`);
      expect(response.status).toBe(202);
      expect(response.body).toEqual({ id: running.id, status: 'running' });
      const message = await messageAbout(workerTap, 'ExecutionCancelRequested', running.id);
      expect(envelopeOf(message)).toMatchObject({
        correlation_id: running.correlationId,
        payload: { execution_id: running.id, reason: 'canceled by API' },
      });
      // The worker reports canceled itself; until then the row still says running.
      expect((await api('GET', `/executions/${running.id}`)).body.status).toBe('running');
    } finally {
      await workerTap.close();
    }
  });

  it('cancels a paused execution and the inquiry it waits on', async () => {
    const inquiry = await insertInquiry(suite.db);
    const response = await api('POST', `/executions/${inquiry.executionId}/cancel`);
    expect(response.status).toBe(202);
    expect(response.body.status).toBe('canceled');
    expect((await api('GET', `/inquiries/${inquiry.id}`)).body.status).toBe('canceled');
  });

  it('reruns an execution with the same action and parameters', async () => {
    const finished = await insertExecution(suite.db, {
      status: 'failed',
      action: 'core.sleep',
      parameters: { seconds: 1 },
    });
    const rerun = await api('POST', `/executions/${finished.id}/rerun`);
    expect(rerun.status).toBe(201);
    expect(rerun.body).toEqual({ id: expect.any(String), status: 'requested' });
    expect(rerun.body.id).not.toBe(finished.id);
    const row = await api('GET', `/executions/${rerun.body.id}`);
    expect(row.body).toMatchObject({
      action: 'core.sleep',
      parameters: { seconds: 1 },
      rerun_of: finished.id,
      status: 'requested',
    });
    await messageAbout(requested, 'ExecutionRequested', rerun.body.id);
  });

  it('answers an inquiry, publishing InquiryResponded with its correlation id, only once', async () => {
    const inquiry = await insertInquiry(suite.db, {
      schema: {
        type: 'object',
        properties: { approved: { type: 'boolean' } },
        required: ['approved'],
      },
    });
    const pending = await api('GET', '/inquiries?status=pending');
    expect(pending.body.items.map((i: { id: string }) => i.id)).toContain(inquiry.id);

    const answered = await api('POST', `/inquiries/${inquiry.id}/respond`, {
      response: { approved: true },
    });
    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({
      id: inquiry.id,
      execution_id: inquiry.executionId,
      status: 'responded',
      response: { approved: true },
      responded_at: expect.any(String),
    });
    const message = await messageAbout(status, 'InquiryResponded', inquiry.id);
    expect(envelopeOf(message)).toMatchObject({
      correlation_id: inquiry.correlationId,
      payload: {
        inquiry_id: inquiry.id,
        execution_id: inquiry.executionId,
        response: { approved: true },
      },
    });

    const again = await api('POST', `/inquiries/${inquiry.id}/respond`, {
      response: { approved: false },
    });
    expect(again.status).toBe(409);
    expect((await api('GET', `/inquiries/${inquiry.id}`)).body.response).toEqual({
      approved: true,
    });
  });

  it('lists events, enforcements and workers', async () => {
    const eventId = randomUUID();
    const correlationId = randomUUID();
    await suite.db.query(
      `INSERT INTO event (id, trigger_ref, payload, source, correlation_id)
       VALUES ($1, 'hist.alert', '{"x": 1}', 'webhook', $2)`,
      [eventId, correlationId],
    );
    const execution = await insertExecution(suite.db, { status: 'succeeded' });
    const enforcementId = randomUUID();
    await suite.db.query(
      `INSERT INTO enforcement (id, event_id, rule_ref, trigger_ref, action_ref, status,
         correlation_id) VALUES ($1, $2, 'hist.rule', 'hist.alert', 'core.echo', 'created', $3)`,
      [enforcementId, eventId, correlationId],
    );
    await suite.db.query('UPDATE execution SET enforcement_id = $1 WHERE id = $2', [
      enforcementId,
      execution.id,
    ]);
    const workerId = randomUUID();
    await suite.db.query(
      `INSERT INTO worker (id, name, runners, capacity, status, instance_id, heartbeat_at)
       VALUES ($1, 'hist-worker', '{shell,echo}', 4, 'active', 'i1', now())`,
      [workerId],
    );

    const events = await api('GET', '/events?trigger=hist.alert');
    expect(events.body).toMatchObject({ total: 1, items: [{ id: eventId, payload: { x: 1 } }] });
    expect((await api('GET', `/events/${eventId}`)).body.correlation_id).toBe(correlationId);

    const enforcements = await api('GET', `/enforcements?event_id=${eventId}`);
    expect(enforcements.body.items).toEqual([
      expect.objectContaining({
        id: enforcementId,
        rule: 'hist.rule',
        trigger: 'hist.alert',
        action: 'core.echo',
        status: 'created',
        execution_id: execution.id,
      }),
    ]);
    expect((await api('GET', '/enforcements?rule=hist.rule')).body.total).toBe(1);

    const workers = await api('GET', '/workers');
    expect(workers.body.items).toEqual([
      {
        id: workerId,
        name: 'hist-worker',
        runners: ['shell', 'echo'],
        capacity: 4,
        status: 'active',
        heartbeat_at: expect.any(String),
        registered_at: expect.any(String),
      },
    ]);
  });
});
