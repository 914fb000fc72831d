import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AttuneProcess } from '../support/attune-process';
import { attuneCli } from '../support/cli';
import { TEST_ADMIN_KEY } from '../support/env';
import { httpRequest } from '../support/http';
import { OPENAPI_DOCUMENT_PATH } from '../support/openapi-contract';
import { ApiSuite, send, startApiSuite, stopApiSuite } from '../support/api-suite';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const REDOCLY = join(ROOT, 'node_modules', '.bin', 'redocly');
const OPENAPI_TYPESCRIPT = join(ROOT, 'node_modules', '.bin', 'openapi-typescript');
const PRETTIER = join(ROOT, 'node_modules', '.bin', 'prettier');
const TYPED_CLIENT_SCHEMA = join(ROOT, 'src', 'client', 'attune-api.ts');

type Json = any;

/** A value built from the document's own examples (a required field without one is an error). */
function exampleOf(document: Json, schema: Json, where: string): unknown {
  if (schema.$ref) {
    const name = String(schema.$ref).split('/').pop()!;
    return exampleOf(document, document.components.schemas[name], `${where} (${name})`);
  }
  if (schema.example !== undefined) return schema.example;
  if (schema.default !== undefined) return schema.default;
  if (schema.enum) return schema.enum[0];
  if (schema.type === 'array' && schema.items) return [exampleOf(document, schema.items, where)];
  if (schema.properties) {
    const value: Record<string, unknown> = {};
    for (const [name, property] of Object.entries<Json>(schema.properties)) {
      const required = (schema.required ?? []).includes(name);
      if (required || property.example !== undefined) {
        value[name] = exampleOf(document, property, `${where}.${name}`);
      }
    }
    return value;
  }
  throw new Error(`the document gives no example for ${where}`);
}

interface Operation {
  method: string;
  template: string;
  operation: Json;
}

function operationsOf(document: Json): Operation[] {
  return Object.entries<Json>(document.paths).flatMap(([template, item]) =>
    ['get', 'put', 'post', 'delete', 'patch']
      .filter((method) => item[method])
      .map((method) => ({ method: method.toUpperCase(), template, operation: item[method] })),
  );
}

/** The method and path with each path parameter's example in place. */
function requestOf(document: Json, { method, template, operation }: Operation) {
  let path = template;
  for (const parameter of operation.parameters ?? []) {
    if (parameter.in !== 'path') continue;
    const value = exampleOf(document, parameter.schema, `${template} {${parameter.name}}`);
    path = path.replace(`{${parameter.name}}`, encodeURIComponent(String(value)));
  }
  const bodySchema = operation.requestBody?.content?.['application/json']?.schema;
  const json = bodySchema
    ? exampleOf(document, bodySchema, `${method} ${template} body`)
    : undefined;
  return { method, path, json };
}

async function lint(document: Json): Promise<{ errors: number; output: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'attune-openapi-'));
  const file = join(dir, 'openapi.json');
  await writeFile(file, JSON.stringify(document));
  try {
    const { stdout, stderr } = await run(REDOCLY, ['lint', file, '--format=json'], {
      maxBuffer: 32 * 1024 * 1024,
    }).catch((error: { stdout: string; stderr: string }) => error);
    const report = JSON.parse(stdout) as { totals: { errors: number } };
    return { errors: report.totals.errors, output: stdout + stderr };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function servedDocument(app: AttuneProcess): Promise<Json> {
  const { status, body } = await httpRequest(app.url, 'GET', '/api/docs-json');
  expect(status).toBe(200);
  return body;
}

describe('what clients see is exact', () => {
  let suite: ApiSuite;
  let apiOnly: AttuneProcess;
  let notifierOnly: AttuneProcess;

  beforeAll(async () => {
    suite = await startApiSuite('contract', 'all');
    [apiOnly, notifierOnly] = await Promise.all(
      ['api', 'notifier'].map((roles) =>
        AttuneProcess.startReady({ roles, databaseUrl: suite.db.url, prefix: suite.prefix }),
      ),
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.all([apiOnly?.stop(), notifierOnly?.stop()]);
    await stopApiSuite(suite);
  });

  it('serves the checked-in document (docs/openapi.json), so the typed client cannot drift', async () => {
    const checkedIn = JSON.parse(await readFile(OPENAPI_DOCUMENT_PATH, 'utf8')) as Json;
    expect(await servedDocument(suite.app)).toEqual(checkedIn);
  });

  it('has the typed client generated from that document (npm run openapi)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'attune-client-'));
    try {
      const generated = join(dir, 'attune-api.ts');
      // The same command as the openapi npm script.
      await run(OPENAPI_TYPESCRIPT, [
        OPENAPI_DOCUMENT_PATH,
        '--default-non-nullable',
        'false',
        '--output',
        generated,
      ]);
      // Formatted as the script formats it (prettier's API needs ES module loading Jest lacks).
      const expected = execFileSync(PRETTIER, ['--stdin-filepath', TYPED_CLIENT_SCHEMA], {
        input: await readFile(generated, 'utf8'),
        encoding: 'utf8',
      });
      expect(await readFile(TYPED_CLIENT_SCHEMA, 'utf8')).toBe(expected);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('lists in each role the routes that role serves', async () => {
    const api = Object.keys((await servedDocument(apiOnly)).paths);
    const notifier = Object.keys((await servedDocument(notifierOnly)).paths);
    expect(api).toContain('/api/v1/executions');
    expect(api).not.toContain('/api/v1/stream');
    expect(notifier).toContain('/api/v1/stream');
    expect(notifier).not.toContain('/api/v1/executions');
    // Every path listed is answered by that process (not a 404 for an unknown route).
    for (const [app, paths] of [
      [apiOnly, api],
      [notifierOnly, notifier],
    ] as const) {
      for (const path of paths.filter((p) => !p.includes('{') && !p.includes('stream'))) {
        const answer = await httpRequest(app.url, 'GET', path);
        expect(answer.body?.message ?? '').not.toMatch(/^Cannot GET/);
      }
    }
  });

  it.each(['all', 'api', 'notifier'])(
    'the document served with ROLES=%s passes redocly lint with 0 errors',
    async (roles) => {
      const app = { all: suite.app, api: apiOnly, notifier: notifierOnly }[roles]!;
      const { errors, output } = await lint(await servedDocument(app));
      if (errors > 0) throw new Error(output.slice(0, 4000));
      expect(errors).toBe(0);
    },
    60_000,
  );

  it('answers every operation, called with its own examples, with a documented status and body', async () => {
    const document = await servedDocument(suite.app);
    const operations = operationsOf(document);
    expect(operations.length).toBeGreaterThan(40);
    const answered: string[] = [];
    for (const operation of operations) {
      const request = requestOf(document, operation);
      // httpRequest checks the status and body against the document and throws on a drift.
      const { status } = await send(suite.app, request.method, request.path, {
        json: request.json,
      });
      expect(Object.keys(operation.operation.responses)).toContain(String(status));
      expect(status).toBeLessThan(500);
      answered.push(`${operation.method} ${operation.template} ${status}`);
    }
    // The examples are coherent: creating with them works, so the rest is exercised for real.
    expect(answered).toEqual(
      expect.arrayContaining([
        'POST /api/v1/triggers 201',
        'POST /api/v1/actions 201',
        'POST /api/v1/executions 201',
        'POST /api/v1/roles 201',
        'PUT /api/v1/secrets/{name} 201',
      ]),
    );
  }, 120_000);

  it('answers body-parser, size and media-type errors in the one error shape', async () => {
    const cases = [
      { raw: 'null', status: 400, message: /not valid JSON/ },
      { raw: '{"ref": ', status: 400, message: /not valid JSON/ },
      // Over the default HTTP_BODY_LIMIT (1mb).
      { raw: JSON.stringify({ ref: 'x'.repeat(1_100_000) }), status: 413, message: /too large/ },
      {
        raw: 'ref=demo.x',
        headers: { 'content-type': 'text/plain' },
        status: 415,
        message: /must be JSON/,
      },
    ];
    for (const { raw, headers, status, message } of cases) {
      const answer = await send(suite.app, 'POST', '/api/v1/triggers', { raw, headers });
      expect(answer.status).toBe(status);
      expect(Object.keys(answer.body).sort()).toEqual(['error', 'message', 'statusCode']);
      expect(answer.body.message).toMatch(message);
      expect(answer.body.statusCode).toBe(status);
    }
    const unknown = await send(suite.app, 'GET', '/api/v1/nowhere');
    expect(unknown.body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'Cannot GET /api/v1/nowhere',
    });
    const invalid = await send(suite.app, 'POST', '/api/v1/triggers', { json: { ref: 'Bad' } });
    expect(invalid.body.details).toEqual([expect.stringMatching(/ref must look like pack.name/)]);
  });

  it('runs an action and answers an error from the CLI through the typed client', async () => {
    const env = { ATTUNE_URL: suite.app.url, ATTUNE_API_KEY: TEST_ADMIN_KEY };
    const ran = await attuneCli(env, 'executions', 'run', 'core.echo', 'n=3', 'word=hi', '--wait');
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.stdout)).toMatchObject({
      status: 'succeeded',
      result: { n: 3, word: 'hi' },
    });

    const refused = await attuneCli(
      { ...env, ATTUNE_API_KEY: 'atn_not_a_key' },
      'executions',
      'get',
      '00000000-0000-4000-8000-000000000000',
    );
    expect(refused.code).toBe(1);
    expect(refused.stdout.trim().split('\n')).toEqual([expect.stringMatching(/^attune: 401: /)]);

    const unknown = await attuneCli(env, 'executions', 'run', 'demo.missing');
    expect(unknown.code).toBe(1);
    expect(unknown.stdout.trim()).toMatch(/^attune: 404: .*demo\.missing/);
  });
});
