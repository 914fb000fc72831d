import { randomUUID } from 'node:crypto';
import { ExchangeTap } from '../support/rabbit';
import { waitFor } from '../support/wait-for';
import {
  ApiSuite,
  databaseFingerprint,
  insertExecution,
  insertInquiry,
  queueDepths,
  send,
  startApiSuite,
  stopApiSuite,
} from '../support/api-suite';

/** Fixture ids, known when the table below is built. */
const succeededId = randomUUID();
const respondedId = randomUUID();
const pendingId = randomUUID();
const BODY_LIMIT = '16kb';

interface BadCase {
  name: string;
  method: string;
  path: string;
  json?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  status: number;
  message: RegExp;
}

const rule = (fields: Record<string, unknown>) => ({
  ref: 'bad.rule',
  trigger: 'bad.alert',
  action: 'core.echo',
  ...fields,
});
const timer = (config: unknown) => ({
  ref: 'bad.sensor',
  type: 'timer',
  trigger: 'core.timer',
  config,
});
const nested = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

// One case per line reads as a table; prettier would spread each over ten lines.
// prettier-ignore
const CASES: BadCase[] = [
  // Missing fields, wrong types, malformed refs, unknown properties
  { name: 'trigger without ref', method: 'POST', path: '/triggers', json: { description: 'x' }, status: 400, message: /ref is required/ },
  { name: 'trigger ref of the wrong type', method: 'POST', path: '/triggers', json: { ref: 42 }, status: 400, message: /ref must be a string/ },
  { name: 'malformed trigger ref', method: 'POST', path: '/triggers', json: { ref: 'NoPack' }, status: 400, message: /ref must look like pack\.name/ },
  { name: 'unknown property', method: 'POST', path: '/triggers', json: { ref: 'bad.x', colour: 'red' }, status: 400, message: /property colour should not exist/ },
  { name: 'payload_schema that does not compile', method: 'POST', path: '/triggers', json: { ref: 'bad.x', payload_schema: { type: 'nope' } }, status: 400, message: /payload_schema is not a valid JSON Schema/ },
  { name: 'payload_schema declaring $id', method: 'POST', path: '/triggers', json: { ref: 'bad.x', payload_schema: { $id: 'https://x.test/s', type: 'object' } }, status: 400, message: /must not declare \$id/ },
  { name: 'body that is an array', method: 'POST', path: '/triggers', json: [{ ref: 'bad.x' }], status: 400, message: /body must be a JSON object/ },
  { name: 'invalid JSON', method: 'POST', path: '/triggers', raw: '{"ref": "bad.x",', status: 400, message: /JSON/ },
  { name: 'body that is not JSON', method: 'POST', path: '/triggers', raw: 'ref=bad.x', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415, message: /must be JSON/ },
  { name: 'NUL character in a string', method: 'POST', path: '/triggers', json: { ref: 'bad.x', description: 'a\u0000b' }, status: 400, message: /description contains a NUL character/ },
  { name: 'action with an unknown runner', method: 'POST', path: '/actions', json: { ref: 'bad.x', runner: 'python' }, status: 400, message: /runner must be one of shell, http/ },
  { name: 'action timeout_ms as a string', method: 'POST', path: '/actions', json: { ref: 'bad.x', runner: 'noop', timeout_ms: '100' }, status: 400, message: /timeout_ms must be an integer/ },
  { name: 'action timeout_ms out of range', method: 'POST', path: '/actions', json: { ref: 'bad.x', runner: 'noop', timeout_ms: 0 }, status: 400, message: /timeout_ms must not be less than 1/ },
  { name: 'action defaults that fail its schema', method: 'POST', path: '/actions', json: { ref: 'bad.x', runner: 'noop', parameters_schema: { type: 'object', properties: { n: { type: 'integer' } } }, defaults: { n: 'one' } }, status: 400, message: /defaults\.n must be integer/ },
  // Duplicates, the read-only core pack, things in use
  { name: 'duplicate trigger ref', method: 'POST', path: '/triggers', json: { ref: 'bad.alert' }, status: 409, message: /trigger 'bad\.alert' already exists/ },
  { name: 'creating under core.', method: 'POST', path: '/actions', json: { ref: 'core.mine', runner: 'noop' }, status: 409, message: /core pack/ },
  { name: 'replacing a core trigger', method: 'PUT', path: '/triggers/core.webhook', json: {}, status: 409, message: /read-only/ },
  { name: 'deleting a core action', method: 'DELETE', path: '/actions/core.shell', status: 409, message: /read-only/ },
  { name: 'deleting a trigger a rule uses', method: 'DELETE', path: '/triggers/bad.alert', status: 409, message: /rule 'bad\.on_alert'/ },
  { name: 'renaming through PUT', method: 'PUT', path: '/triggers/bad.alert', json: { ref: 'bad.other' }, status: 400, message: /differs from 'bad\.alert'/ },
  // Unknown refs and ids
  { name: 'unknown trigger', method: 'GET', path: '/triggers/bad.missing', status: 404, message: /trigger 'bad\.missing' does not exist/ },
  { name: 'PUT of an unknown rule', method: 'PUT', path: '/rules/bad.missing', json: rule({ ref: 'bad.missing' }), status: 404, message: /rule 'bad\.missing' does not exist/ },
  { name: 'rule on an unknown trigger', method: 'POST', path: '/rules', json: rule({ trigger: 'bad.nope' }), status: 404, message: /trigger 'bad\.nope' does not exist/ },
  { name: 'rule on an unknown action', method: 'POST', path: '/rules', json: rule({ action: 'bad.nope' }), status: 404, message: /action 'bad\.nope' does not exist/ },
  { name: 'rule criteria with an unknown operator', method: 'POST', path: '/rules', json: rule({ criteria: { 'payload.x': { like: 1 } } }), status: 400, message: /unknown operator "like"/ },
  { name: 'rule parameters with an unknown placeholder', method: 'POST', path: '/rules', json: rule({ parameters: { x: '{{ foo }}' } }), status: 400, message: /unknown placeholder/ },
  { name: 'rule parameters that fail the action schema', method: 'POST', path: '/rules', json: rule({ action: 'core.sleep', parameters: { seconds: 'ten' } }), status: 400, message: /parameters\.seconds must be number/ },
  { name: 'timer with both interval_ms and cron', method: 'POST', path: '/sensors', json: timer({ interval_ms: 1000, cron: '* * * * *' }), status: 400, message: /exactly one of interval_ms or cron/ },
  { name: 'timer with a bad cron', method: 'POST', path: '/sensors', json: timer({ cron: '61 * * * *' }), status: 400, message: /config\.cron is not a valid cron expression/ },
  { name: 'timer interval below 100 ms', method: 'POST', path: '/sensors', json: timer({ interval_ms: 5 }), status: 400, message: /config\.interval_ms must be between 100/ },
  { name: 'http_poll with an ftp URL', method: 'POST', path: '/sensors', json: { ref: 'bad.poll', type: 'http_poll', trigger: 'core.webhook', config: { url: 'ftp://x', interval_ms: 1000 } }, status: 400, message: /config\.url must be an http/ },
  // Webhooks
  { name: 'webhook for an unknown trigger', method: 'POST', path: '/webhooks/bad.nope', json: {}, status: 404, message: /trigger 'bad\.nope' does not exist/ },
  { name: 'webhook payload that fails the trigger schema', method: 'POST', path: '/webhooks/bad.alert', json: { level: 'high' }, status: 400, message: /payload\.severity is required/ },
  { name: 'webhook body over HTTP_BODY_LIMIT', method: 'POST', path: '/webhooks/core.webhook', json: { blob: 'x'.repeat(20_000) }, status: 413, message: /too large/ },
  { name: 'webhook payload nested too deep', method: 'POST', path: '/webhooks/core.webhook', raw: nested(150), status: 400, message: /nested deeper than 100 levels/ },
  { name: 'webhook payload with a NUL character', method: 'POST', path: '/webhooks/core.webhook', json: { x: ['\u0000'] }, status: 400, message: /payload\.x\[0\] contains a NUL/ },
  // Executions
  { name: 'execution without action', method: 'POST', path: '/executions', json: { parameters: {} }, status: 400, message: /action is required/ },
  { name: 'execution of an unknown action', method: 'POST', path: '/executions', json: { action: 'bad.nope' }, status: 404, message: /action 'bad\.nope' does not exist/ },
  { name: 'execution parameters that fail the action schema', method: 'POST', path: '/executions', json: { action: 'core.sleep', parameters: { seconds: 'ten' } }, status: 400, message: /parameters\.seconds must be number/ },
  { name: 'execution parameters missing a required field', method: 'POST', path: '/executions', json: { action: 'core.shell', parameters: {} }, status: 400, message: /parameters\.cmd is required/ },
  { name: 'execution parameters that are not an object', method: 'POST', path: '/executions', json: { action: 'core.echo', parameters: [1, 2] }, status: 400, message: /parameters must be an object/ },
  { name: 'limit=0', method: 'GET', path: '/executions?limit=0', status: 400, message: /limit must not be less than 1/ },
  { name: 'limit over 500', method: 'GET', path: '/executions?limit=501', status: 400, message: /limit must not be greater than 500/ },
  { name: 'negative offset', method: 'GET', path: '/executions?offset=-1', status: 400, message: /offset must not be less than 0/ },
  { name: 'limit that is not a number', method: 'GET', path: '/triggers?limit=ten', status: 400, message: /limit must be an integer/ },
  { name: 'unknown query parameter', method: 'GET', path: '/events?colour=red', status: 400, message: /property colour should not exist/ },
  { name: 'unknown execution status filter', method: 'GET', path: '/executions?status=done', status: 400, message: /status must be one of requested/ },
  { name: 'malformed execution id', method: 'GET', path: '/executions/not-a-uuid', status: 400, message: /id must be a UUID/ },
  { name: 'unknown execution id', method: 'GET', path: `/executions/${randomUUID()}`, status: 404, message: /does not exist/ },
  { name: 'cancel of a finished execution', method: 'POST', path: `/executions/${succeededId}/cancel`, status: 409, message: new RegExp(`execution ${succeededId} is already succeeded`) },
  { name: 'rerun of an unknown execution', method: 'POST', path: `/executions/${randomUUID()}/rerun`, status: 404, message: /does not exist/ },
  // Inquiries
  { name: 'answer to an inquiry already answered', method: 'POST', path: `/inquiries/${respondedId}/respond`, json: { response: true }, status: 409, message: /is responded, not pending/ },
  { name: 'answer that fails the inquiry schema', method: 'POST', path: `/inquiries/${pendingId}/respond`, json: { response: { approved: 'yes' } }, status: 400, message: /response\.approved must be boolean/ },
  { name: 'respond without a response', method: 'POST', path: `/inquiries/${pendingId}/respond`, json: {}, status: 400, message: /response is required/ },
  { name: 'malformed inquiry id', method: 'POST', path: '/inquiries/123/respond', json: { response: 1 }, status: 400, message: /id must be a UUID/ },
  // Dead letters
  { name: 'unknown dead-letter queue', method: 'GET', path: '/dlq/bad.queue/messages', status: 404, message: /unknown dead-letter queue/ },
  { name: 'peek limit over 100', method: 'GET', path: '/dlq/x/messages?limit=1000', status: 400, message: /limit must not be greater than 100/ },
  { name: 'replay limit of the wrong type', method: 'POST', path: '/dlq/x/replay', json: { limit: 'all' }, status: 400, message: /limit must be an integer/ },
];

// ROLES=api only: nothing consumes, so a message wrongly published would stay in its queue.
describe('api: bad input gets a 4xx with a message and changes nothing (api only)', () => {
  let suite: ApiSuite;
  let notifications: ExchangeTap;
  let before: Record<string, string>;

  beforeAll(async () => {
    suite = await startApiSuite('apibad', 'api', { HTTP_BODY_LIMIT: BODY_LIMIT });
    const post = async (path: string, json: unknown) => {
      const response = await send(suite.app, 'POST', `/api/v1${path}`, { json });
      if (response.status !== 201)
        throw new Error(`fixture ${path}: ${JSON.stringify(response.body)}`);
    };
    await post('/triggers', {
      ref: 'bad.alert',
      payload_schema: { type: 'object', required: ['severity'] },
    });
    await post('/rules', { ref: 'bad.on_alert', trigger: 'bad.alert', action: 'core.echo' });
    await insertExecution(suite.db, { id: succeededId, status: 'succeeded' });
    await insertInquiry(suite.db, { id: respondedId, status: 'responded', response: true });
    await insertInquiry(suite.db, {
      id: pendingId,
      schema: { type: 'object', properties: { approved: { type: 'boolean' } } },
    });
    notifications = await ExchangeTap.open(`${suite.prefix}.notifications`, '');
    before = await databaseFingerprint(suite.db);
  });

  afterAll(async () => {
    await notifications?.close();
    await stopApiSuite(suite);
  });

  it('has at least 25 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(25);
  });

  it.each(CASES)('$name → $status', async (c) => {
    const response = await send(suite.app, c.method, `/api/v1${c.path}`, {
      json: c.json,
      raw: c.raw,
      headers: c.headers,
    });
    expect({ status: response.status, message: response.body?.message }).toEqual({
      status: c.status,
      message: expect.stringMatching(c.message),
    });
  });

  it('left the database, the queues and the notifications untouched', async () => {
    expect(await databaseFingerprint(suite.db)).toEqual(before);
    const depths = await queueDepths(suite.prefix);
    for (const queue of ['events.queue', 'executions.queue', 'execution-status.queue']) {
      expect({ queue, messages: depths[`${suite.prefix}.${queue}`] }).toEqual({
        queue,
        messages: 0,
      });
    }
    expect(notifications.messages).toHaveLength(0);
  });

  it('would have seen a published message (a good webhook shows up in the events queue)', async () => {
    const accepted = await send(suite.app, 'POST', '/api/v1/webhooks/bad.alert', {
      json: { severity: 'high' },
    });
    expect(accepted.status).toBe(202);
    await waitFor(
      async () => (await queueDepths(suite.prefix))[`${suite.prefix}.events.queue`] === 1,
      { description: 'the accepted webhook in the events queue' },
    );
  });
});
