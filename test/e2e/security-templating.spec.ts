import { waitFor } from '../support/wait-for';
import { ApiSuite, startApiSuite, stopApiSuite } from '../support/api-suite';

/** Event data is data: whatever a webhook sends, no command it names runs. */
describe('security: templating is safe by default (all-in-one)', () => {
  let suite: ApiSuite;

  const finished = (eventId: string) =>
    waitFor(
      async () => {
        const enforcements = await suite.app.request(
          'GET',
          `/api/v1/enforcements?event_id=${eventId}`,
        );
        const executionId = enforcements.body.items[0]?.execution_id;
        if (!executionId) return undefined;
        const execution = await suite.app.request('GET', `/api/v1/executions/${executionId}`);
        return ['succeeded', 'failed'].includes(execution.body.status) ? execution.body : undefined;
      },
      { description: `the execution of event ${eventId}` },
    );
  const fire = async (trigger: string, payload: unknown) => {
    const response = await suite.app.request('POST', `/api/v1/webhooks/${trigger}`, payload);
    expect(response.status).toBe(202);
    return finished(response.body.event_id);
  };

  beforeAll(async () => {
    suite = await startApiSuite('tmpl', 'all');
    const api = (path: string, body: unknown) => suite.app.request('POST', `/api/v1${path}`, body);
    await api('/triggers', { ref: 'demo.alert' });
    // The rule as earlier READMEs wrote it: the host templated into the command string.
    await api('/rules', {
      ref: 'demo.on_alert',
      trigger: 'demo.alert',
      action: 'core.shell',
      parameters: { cmd: 'echo alert on {{ event.payload.host }}' },
    });
    // The rule as the README writes it now: the host as a positional argument.
    await api('/triggers', { ref: 'demo.alert_args' });
    await api('/rules', {
      ref: 'demo.on_alert_args',
      trigger: 'demo.alert_args',
      action: 'core.shell',
      parameters: { cmd: 'echo "alert on $1"', args: ['{{ event.payload.host }}'] },
    });
    await api('/triggers', { ref: 'demo.raw' });
    await api('/rules', {
      ref: 'demo.on_raw',
      trigger: 'demo.raw',
      action: 'core.shell',
      parameters: { cmd: 'echo {{ event.payload.words | raw }}' },
    });
  });

  afterAll(() => stopApiSuite(suite));

  it.each(['db-1; id', '$(id)', '`id`', "db-1' ; id ; echo '", 'db-1 && id'])(
    'runs no id for {"host": %p}',
    async (host) => {
      for (const trigger of ['demo.alert', 'demo.alert_args']) {
        const execution = await fire(trigger, { host });
        expect([trigger, execution.status, execution.result.stdout]).toEqual([
          trigger,
          'succeeded',
          `alert on ${host}\n`,
        ]);
        expect(execution.result.stdout).not.toMatch(/uid=\d+/);
      }
    },
  );

  it('substitutes as written only where a template says | raw', async () => {
    const execution = await fire('demo.raw', { words: 'one; echo two' });
    expect(execution.result.stdout).toBe('one\ntwo\n');
  });

  it('refuses core.http destinations in HTTP_RUNNER_DENY (the cloud metadata address)', async () => {
    const created = await suite.app.request('POST', '/api/v1/executions', {
      action: 'core.http',
      parameters: { url: 'http://169.254.169.254/latest/meta-data/' },
    });
    expect(created.status).toBe(201);
    const execution = await waitFor(async () => {
      const got = await suite.app.request('GET', `/api/v1/executions/${created.body.id}`);
      return ['succeeded', 'failed'].includes(got.body.status) ? got.body : undefined;
    });
    expect(execution.status).toBe('failed');
    expect(execution.error).toBe(
      'request refused: destination 169.254.169.254 is in HTTP_RUNNER_DENY (169.254.169.254/32)',
    );
  });
});
