import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page, type WebSocketRoute } from 'playwright-core';
import { newEnvelope } from '../../src/messaging/envelope-factory';
import { createOk, createTriggerWithRule, executionReaches, webhook } from '../support/attune-api';
import { AttuneProcess } from '../support/attune-process';
import { TestDatabase } from '../support/database';
import { httpRequest } from '../support/http';
import { TEST_ADMIN_KEY } from '../support/env';
import { createKey } from '../support/keys';
import { deleteTopology, uniquePrefix, withChannel } from '../support/rabbit';
import { waitFor } from '../support/wait-for';

/** Where the screenshots of each page go (gitignored; CI keeps them as artifacts). */
const SHOTS = join(__dirname, '..', '..', 'test-artifacts', 'console');

/** Debian's Chromium, headless, with nothing that reaches the network on its own. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const APPROVAL = {
  type: 'object',
  properties: {
    approve: { type: 'boolean', title: 'Approve' },
    replicas: { type: 'integer', minimum: 1, title: 'Replicas' },
  },
  required: ['approve', 'replicas'],
};

// The console against a real server (every role but the sensor), driven by a real browser.
describe('web console', () => {
  const db = new TestDatabase();
  const prefix = uniquePrefix('console');
  let app: AttuneProcess;
  let profile: string;
  let context: BrowserContext;
  let operatorKey: string;
  let viewerKey: string;
  const pages: Page[] = [];

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  /** A new tab (its own sessionStorage) signed in with `key`. */
  const signedIn = async (key: string, sockets?: WebSocketRoute[]): Promise<Page> => {
    const page = await context.newPage();
    pages.push(page);
    // Optionally pass /ws through a route the test can cut, as a network drop would.
    if (sockets) {
      await page.routeWebSocket(/\/ws\?/, (socket) => {
        socket.connectToServer();
        sockets.push(socket);
      });
    }
    await page.goto(`${app.url}/`);
    await page.fill('#key', key);
    await page.keyboard.press('Enter');
    await page.waitForSelector('header.top .who');
    await page.waitForSelector('.live[data-live="live"]');
    return page;
  };

  /** Navigates inside the app (no reload), as its own links do. */
  const go = async (page: Page, path: string) => {
    await page.evaluate(
      `history.pushState(null, '', ${JSON.stringify(path)});` +
        `window.dispatchEvent(new Event('attune:navigate'))`,
    );
  };

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    await db.create();
    app = await AttuneProcess.startReady({
      roles: 'api,executor,worker,notifier',
      databaseUrl: db.url,
      prefix,
    });
    await createTriggerWithRule(app, 'test.hook', {
      ref: 'test.on_hook',
      action: 'core.echo',
      parameters: { host: '{{ event.payload.host }}' },
    });
    operatorKey = (await createKey(app, 'console-operator', 'operator')).key;
    viewerKey = (await createKey(app, 'console-viewer', 'viewer')).key;
    profile = await mkdtemp(join(tmpdir(), 'attune-console-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 800 },
    });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
    await app?.stop();
    await deleteTopology(prefix);
    await db.drop();
  });

  it('serves the console at / with cache headers for hashed assets, and pages as index.html', async () => {
    const index = await fetch(`${app.url}/`, { headers: { accept: 'text/html' } });
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await index.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1];
    const script = await fetch(`${app.url}${asset}`);
    expect(script.status).toBe(200);
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');

    const route = await fetch(`${app.url}/executions/${randomUUID()}`, {
      headers: { accept: 'text/html' },
    });
    expect(route.status).toBe(200);
    expect(await route.text()).toBe(html);
    // API paths stay the API's: a JSON 404, even for a browser.
    const api = await httpRequest(app.url, 'GET', '/api/v1/nothing-here', {
      headers: { accept: 'text/html' },
    });
    expect(api.status).toBe(404);
    expect(api.body).toMatchObject({ statusCode: 404 });
  });

  it('refuses a wrong key on the sign-in page with the message of the API', async () => {
    const page = await context.newPage();
    await page.goto(`${app.url}/`);
    await page.fill('#key', 'atn_not-a-key');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.sign-in .error');
    expect(await page.textContent('.sign-in .error')).toMatch(/^401 Unauthorized: /);
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    await shot(page, 'sign-in-refused');
    await page.close();
  });

  it('signs in with a key and follows a webhook run live to succeeded, with its detail', async () => {
    const sockets: WebSocketRoute[] = [];
    const page = await signedIn(operatorKey, sockets);
    expect(page.url()).not.toContain('atn_');
    await shot(page, 'overview');

    await go(page, '/executions');
    await page.waitForSelector('table.executions');
    // A marker that a reload would wipe: the row must arrive through the live feed.
    await page.evaluate('window.marker = 1');
    await webhook(app, 'test.hook', { host: 'db-7' });
    const execution = await waitFor(
      async () => {
        const { data } = await app.api.GET('/api/v1/executions', {
          params: { query: { action: 'core.echo' } },
        });
        return data?.items[0];
      },
      { description: 'the execution the webhook started' },
    );
    await page.waitForSelector(`tr[data-execution="${execution.id}"][data-status="succeeded"]`);
    expect(await page.evaluate('window.marker')).toBe(1);
    await shot(page, 'executions');
    await page.setViewportSize({ width: 390, height: 800 });
    await shot(page, 'executions-phone');
    await page.setViewportSize({ width: 1280, height: 800 });

    // Filters and cursor pages (two a page here): Older follows next_cursor, Back returns.
    await webhook(app, 'test.hook', { host: 'db-8' });
    await webhook(app, 'test.hook', { host: 'db-9' });
    await waitFor(
      async () => {
        const { data } = await app.api.GET('/api/v1/executions', {
          params: { query: { action: 'core.echo', status: 'succeeded' } },
        });
        return data?.items.length === 3;
      },
      { description: 'three echo executions to succeed' },
    );
    await go(page, '/executions?action=core.echo&limit=2');
    const shownRows = () =>
      page.$$eval('tr[data-execution]', (rows) =>
        rows.map((row) => row.getAttribute('data-execution')),
      );
    const firstPage = await waitFor(async () => (await shownRows()).length === 2 && shownRows(), {
      description: 'a first page of two executions',
    });
    await page.click('button:has-text("Older")');
    // The older page replaced the first: none of its rows is left.
    const secondPage = await waitFor(
      async () => {
        const shown = await shownRows();
        return shown.length > 0 && !shown.some((id) => firstPage.includes(id)) && shown;
      },
      { description: 'the older page of executions' },
    );
    expect(secondPage).toHaveLength(1);
    expect(firstPage).not.toContain(secondPage[0]);
    await page.click('button:has-text("Newer")');
    await page.waitForSelector(`tr[data-execution="${firstPage[0]}"]`);
    await page.selectOption('select[name="status"]', 'failed');
    await page.waitForSelector('td:has-text("No executions.")');
    await go(page, '/executions');
    await page.waitForSelector(`tr[data-execution="${execution.id}"]`);

    // The feed drops; it reconnects by itself, resuming after the last notification it saw,
    // and the notifier replays what was missed.
    await sockets.at(-1)!.close({ code: 1001, reason: 'dropped by the test' });
    await page.waitForSelector('.live:not([data-live="live"])');
    await webhook(app, 'test.hook', { host: 'db-offline' });
    const missed = await waitFor(
      async () => {
        const { data } = await app.api.GET('/api/v1/executions', {
          params: { query: { action: 'core.echo', status: 'succeeded' } },
        });
        return data?.items.find((e) => (e.parameters as { host?: string }).host === 'db-offline');
      },
      { description: 'the execution started while the console was offline' },
    );
    await page.waitForSelector('.live[data-live="live"]', { timeout: 20_000 });
    expect(sockets.length).toBeGreaterThan(1);
    expect(sockets.at(-1)!.url()).toMatch(/[?&]last_event_id=[0-9a-f]+-\d+/);
    await page.waitForSelector(`tr[data-execution="${missed.id}"][data-status="succeeded"]`);
    expect(await page.evaluate('window.marker')).toBe(1);

    await page.click(`tr[data-execution="${execution.id}"] a`);
    await page.waitForSelector(
      `section.execution[data-execution="${execution.id}"][data-status="succeeded"]`,
    );
    await page.waitForSelector('[data-result] pre');
    expect(await page.textContent('[data-result]')).toContain('"host": "db-7"');
    for (const step of ['requested', 'running', 'succeeded']) {
      await page.waitForSelector(`.timeline li[data-step="${step}"]`);
    }
    await shot(page, 'execution');

    // Readable at phone width too.
    await page.setViewportSize({ width: 390, height: 800 });
    await shot(page, 'execution-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('runs an action from the console with a secret shown as ***, reruns it, and cancels a run', async () => {
    await createOk(app, '/api/v1/actions', {
      ref: 'vault.login',
      runner: 'echo',
      parameters_schema: {
        type: 'object',
        properties: { user: { type: 'string' }, password: { type: 'string', secret: true } },
      },
    });
    const page = await signedIn(operatorKey);
    await go(page, '/definitions/actions/vault.login');
    await page.fill('#run-parameters', JSON.stringify({ user: 'ops', password: 'hunter2-0xdead' }));
    await page.click('button:has-text("Run")');
    await page.waitForSelector('section.execution[data-status="succeeded"]');
    const firstUrl = page.url();
    const shown = await page.textContent('section.execution');
    expect(shown).toContain('"password": "***"');
    expect(shown).not.toContain('hunter2');

    await page.click('button:has-text("Rerun")');
    await page.waitForURL((url) => url.toString() !== firstUrl);
    const rerunId = page.url().split('/').pop();
    await page.waitForSelector(
      `section.execution[data-execution="${rerunId}"][data-status="succeeded"]`,
    );
    expect(await page.textContent('[data-result]')).toContain('"password": "***"');

    const sleeping = await createOk(app, '/api/v1/executions', {
      action: 'core.sleep',
      parameters: { seconds: 60 },
    });
    await go(page, `/executions/${sleeping.id}`);
    await page.waitForSelector(
      `section.execution[data-execution="${sleeping.id}"][data-status="running"]`,
    );
    await page.click('button:has-text("Cancel")');
    await page.waitForSelector(
      `section.execution[data-execution="${sleeping.id}"][data-status="canceled"]`,
    );
    await shot(page, 'execution-canceled');
  });

  it("shows a workflow's tasks as a tree, and a task's stdout and stderr", async () => {
    await createOk(app, '/api/v1/actions', {
      ref: 'wf.pair',
      runner: 'workflow',
      workflow: {
        tasks: {
          greet: { action: 'core.echo', input: { hello: 'world' }, next: [{ do: ['say'] }] },
          say: { action: 'core.shell', input: { cmd: 'printf hi; printf oops >&2' } },
        },
      },
    });
    const created = await createOk(app, '/api/v1/executions', {
      action: 'wf.pair',
      parameters: {},
    });
    const page = await signedIn(operatorKey);
    await go(page, `/executions/${created.id}`);
    await page.waitForSelector('section.execution[data-status="succeeded"]');
    await page.waitForSelector('.tree li[data-task="greet"]');
    await page.waitForSelector('.tree li[data-task="say"]');
    await shot(page, 'workflow');
    await page.click('.tree li[data-task="say"] > a');
    await page.waitForSelector('[data-output="stdout"]');
    expect(await page.textContent('[data-output="stdout"]')).toBe('hi');
    expect(await page.textContent('[data-output="stderr"]')).toBe('oops');
    await page.waitForSelector(`a[href="/executions/${created.id}"]`);
  });

  it('answers an inquiry through the form made from its schema; a bad answer is shown beside its field', async () => {
    const created = await createOk(app, '/api/v1/executions', {
      action: 'core.ask',
      parameters: { prompt: 'Scale the web tier?', schema: APPROVAL, timeout_ms: 120_000 },
    });
    await executionReaches(app, created.id, ['paused']);
    const page = await signedIn(operatorKey);
    await go(page, '/inquiries');
    const link = page.locator('[data-inquiry] a', { hasText: 'Scale the web tier?' });
    await link.waitFor();
    await shot(page, 'inquiries');
    await link.click();

    await page.selectOption('#response-approve', 'true');
    await page.fill('#response-replicas', 'three');
    await page.click('form.schema-form button[type="submit"]');
    const problem = page.locator('[data-field="response-replicas"]');
    await problem.waitFor();
    expect(await problem.textContent()).toMatch(/response\.replicas must be integer/);
    await shot(page, 'inquiry-invalid');

    await page.fill('#response-replicas', '3');
    await page.click('form.schema-form button[type="submit"]');
    await page.waitForSelector('.ok[role="status"]');
    const done = await executionReaches(app, created.id, ['succeeded']);
    expect(done.result).toEqual({ approve: true, replicas: 3 });
    await go(page, `/executions/${created.id}`);
    await page.waitForSelector('section.execution[data-status="succeeded"]');
    await shot(page, 'inquiry-answered');
  });

  it('replays a dead letter and shows the depth go down', async () => {
    const eventsQueue = `${prefix}.events.queue`;
    const dlq = `${eventsQueue}.dlq`;
    // A valid event of a trigger no rule watches: handled and gone once it is replayed.
    const envelope = newEnvelope(
      'EventCreated',
      {
        event_id: randomUUID(),
        trigger: 'test.unwatched',
        payload: {},
        source: 'test',
        occurred_at: new Date().toISOString(),
      },
      'test',
    );
    await withChannel(async (channel) => {
      channel.publish(`${prefix}.dlx`, eventsQueue, Buffer.from(JSON.stringify(envelope)), {
        messageId: envelope.message_id,
        correlationId: envelope.correlation_id,
        type: 'EventCreated',
        persistent: true,
        headers: { 'x-error': 'handler exploded', 'x-retry-count': 3 },
      });
      await channel.waitForConfirms();
    });

    const page = await signedIn(operatorKey);
    await go(page, '/dead-letters');
    await page.waitForSelector(`tr[data-queue="${dlq}"][data-depth="1"]`);
    await shot(page, 'dead-letters');
    await page.click(`tr[data-queue="${dlq}"] a`);
    await page.waitForSelector('.depth[data-depth="1"]');
    await page.waitForSelector('.cards li >> text=handler exploded');
    await shot(page, 'dead-letter-queue');
    await page.fill('#replay-count', '5');
    await page.click('button:has-text("Replay")');
    await page.waitForSelector('.ok:has-text("Replayed 1; 0 remain")');
    await page.waitForSelector('.depth[data-depth="0"]');
    await shot(page, 'dead-letter-replayed');
  });

  it('offers a viewer no create, cancel, replay or answer controls; a direct route shows the 403', async () => {
    const asked = await createOk(app, '/api/v1/executions', {
      action: 'core.ask',
      parameters: { prompt: 'Viewer cannot answer', schema: APPROVAL, timeout_ms: 120_000 },
    });
    await executionReaches(app, asked.id, ['paused']);
    const inquiry = await waitFor(
      async () => {
        const { data } = await app.api.GET('/api/v1/inquiries', {
          params: { query: { status: 'pending' } },
        });
        return data?.items.find((i) => i.execution_id === asked.id);
      },
      { description: 'the viewer test inquiry' },
    );
    const page = await signedIn(viewerKey);
    expect(await page.textContent('.who')).toContain('(viewer)');
    await expect(page.locator('header nav a', { hasText: 'Keys' }).count()).resolves.toBe(0);
    await expect(page.locator('header nav a', { hasText: 'Audit' }).count()).resolves.toBe(0);

    await go(page, '/executions');
    await page.waitForSelector(`tr[data-execution="${asked.id}"]`);
    expect(await page.locator('text=Run an action').count()).toBe(0);

    await go(page, `/executions/${asked.id}`);
    await page.waitForSelector('section.execution[data-status="paused"]');
    expect(await page.locator('button:has-text("Cancel")').count()).toBe(0);
    expect(await page.locator('button:has-text("Rerun")').count()).toBe(0);
    await shot(page, 'viewer-execution');

    await go(page, '/definitions/rules');
    await page.waitForSelector('tr[data-ref="test.on_hook"]');
    expect(await page.locator('text=New rule').count()).toBe(0);
    await go(page, '/definitions/rules/test.on_hook');
    await page.waitForSelector('#def-trigger');
    expect(await page.locator('#def-trigger').isDisabled()).toBe(true);
    expect(await page.locator('button:has-text("Save")').count()).toBe(0);
    await shot(page, 'definition-rule');

    await go(page, `/inquiries/${inquiry.id}`);
    await page.waitForSelector('[data-forbidden="inquiries:respond"]');
    expect(await page.locator('form.schema-form').count()).toBe(0);
    expect(await page.textContent('[data-forbidden]')).toContain(
      "key 'console-viewer' (viewer) lacks inquiries:respond",
    );

    await go(page, `/dead-letters/${encodeURIComponent(`${prefix}.events.queue.dlq`)}`);
    await page.waitForSelector('.depth[data-depth]');
    expect(await page.locator('#replay-count').count()).toBe(0);

    // A create page reached by its address: the API's 403 wording, and no form.
    await page.goto(`${app.url}/definitions/triggers/new`);
    await page.waitForSelector('[data-forbidden="triggers:write"]');
    expect(await page.textContent('[data-forbidden]')).toMatch(
      /403.*key 'console-viewer' \(viewer\) lacks triggers:write/,
    );
    expect(await page.locator('form.definition').count()).toBe(0);
    await shot(page, 'viewer-forbidden');
  });

  it('shows workers, definitions, keys and audit to an admin', async () => {
    const page = await signedIn(TEST_ADMIN_KEY);
    // From the keyboard: the skip link first, then the pages; Enter follows a link.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to content');
    for (let tabs = 0; tabs < 12; tabs++) {
      if ((await page.evaluate('document.activeElement.textContent')) === 'Workers') break;
      await page.keyboard.press('Tab');
    }
    await page.keyboard.press('Enter');
    await page.waitForURL(`${app.url}/workers`);
    await page.waitForSelector('tr[data-worker]');
    await shot(page, 'workers');
    await go(page, '/definitions/actions');
    await page.waitForSelector('tr[data-ref="core.echo"]');
    await shot(page, 'definitions');

    // The API's validation message beside the field it names.
    await go(page, '/definitions/triggers/new');
    await page.fill('#def-ref', 'Not A Ref');
    await page.click('form.definition button[type="submit"]');
    await page.waitForSelector('[data-field="def-ref"]');
    expect(await page.textContent('[data-field="def-ref"]')).toMatch(/ref/);
    await shot(page, 'definition-invalid');

    await go(page, '/keys');
    await page.waitForSelector('td:has-text("console-viewer")');
    await shot(page, 'keys');
    await page.fill('#key-name', 'made-in-console');
    await page.selectOption('#key-role', 'operator');
    await page.click('button:has-text("Create key")');
    const shownOnce = await page.textContent('code.secret', { timeout: 10_000 });
    expect(shownOnce).toMatch(/^atn_/);
    await page.waitForSelector('td:has-text("made-in-console")');
    await go(page, '/audit');
    await page.waitForSelector('td:has-text("key:console-operator")');
    await shot(page, 'audit');
    await go(page, '/');
    await page.waitForSelector('[data-dlq-depth]');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, 'overview-dark');
  });
});
