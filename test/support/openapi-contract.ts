import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * Every answer the suites get is checked against the OpenAPI document the server publishes
 * (docs/openapi.json, which a test keeps equal to the live one): its status must be documented
 * for that operation and its JSON body must validate. A drift fails the test where it happens.
 */
export const OPENAPI_DOCUMENT_PATH = join(__dirname, '..', '..', 'docs', 'openapi.json');

type Json = any;

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  /** Literal segments count: /stream/tickets wins over /stream/{x}. */
  literalSegments: number;
  operation: Json;
}

/** Paths outside the document: Prometheus text and the document itself. */
const UNDOCUMENTED = [/^\/metrics$/, /^\/api\/docs/];

export class OpenApiContract {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly routes: Route[] = [];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(readonly document: Json) {
    addFormats(this.ajv);
    this.ajv.addSchema(document, 'openapi.json');
    for (const [template, item] of Object.entries<Json>(document.paths)) {
      for (const method of ['get', 'put', 'post', 'delete', 'patch']) {
        if (!item[method]) continue;
        const source = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
        this.routes.push({
          method: method.toUpperCase(),
          template,
          pattern: new RegExp(`^${source}$`),
          literalSegments: template.split('/').filter((s) => s && !s.startsWith('{')).length,
          operation: item[method],
        });
      }
    }
  }

  static load(): OpenApiContract {
    return new OpenApiContract(JSON.parse(readFileSync(OPENAPI_DOCUMENT_PATH, 'utf8')));
  }

  /** Throws an error naming the drift when the answer is not what the document promises. */
  check(method: string, url: string, status: number, contentType: string | null, body: unknown) {
    const path = new URL(url, 'http://attune').pathname;
    if (UNDOCUMENTED.some((pattern) => pattern.test(path))) return;
    const route = this.routeOf(method.toUpperCase(), path);
    const isJson = contentType?.includes('application/json') ?? false;
    if (!route) {
      // No operation for this method and path (an unknown route, a wrong method): the one
      // error shape is still promised.
      if (status >= 400 && isJson)
        return this.validate(
          '#/components/schemas/ApiErrorBody',
          body,
          `${method} ${path} → ${status}`,
        );
      throw new Error(
        `${method} ${path} answered ${status}, but the document has no such operation`,
      );
    }
    const where = `${method} ${route.template} → ${status}`;
    const response = route.operation.responses?.[String(status)];
    if (!response) {
      throw new Error(
        `${where} is not documented (documented: ${Object.keys(route.operation.responses).join(', ')}); body ${JSON.stringify(body)}`,
      );
    }
    if (status === 204 || !isJson) return;
    const schema = response.content?.['application/json']?.schema;
    if (!schema) throw new Error(`${where}: a JSON body where the document promises none`);
    const pointer = [
      'paths',
      route.template,
      route.method.toLowerCase(),
      'responses',
      String(status),
      'content',
      'application/json',
      'schema',
    ]
      .map((segment) => segment.replace(/~/g, '~0').replace(/\//g, '~1'))
      .join('/');
    this.validate(`#/${pointer}`, body, where);
  }

  private routeOf(method: string, path: string): Route | undefined {
    return this.routes
      .filter((route) => route.method === method && route.pattern.test(path))
      .sort((a, b) => b.literalSegments - a.literalSegments)[0];
  }

  private validate(pointer: string, body: unknown, where: string): void {
    let validator = this.validators.get(pointer);
    if (!validator) {
      validator = this.ajv.compile({ $ref: `openapi.json${pointer}` });
      this.validators.set(pointer, validator);
    }
    if (!validator(body)) {
      throw new Error(
        `${where}: the body does not match the document: ${this.ajv.errorsText(validator.errors)}; body ${JSON.stringify(body).slice(0, 2000)}`,
      );
    }
  }
}

let shared: OpenApiContract | undefined;

/** The document's contract, read once per test file. */
export function openApiContract(): OpenApiContract {
  shared ??= OpenApiContract.load();
  return shared;
}
