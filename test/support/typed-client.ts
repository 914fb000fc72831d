import type { Middleware } from 'openapi-fetch';
import { AttuneClient, createAttuneClient } from '../../src/client/attune-client';
import { TEST_ADMIN_KEY } from './env';
import { openApiContract } from './openapi-contract';

/** Checks every answer of the typed client against the OpenAPI document. */
const checkedAgainstDocument: Middleware = {
  async onResponse({ request, response }) {
    const text = await response.clone().text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: the check looks at the status only
    }
    openApiContract().check(
      request.method,
      request.url,
      response.status,
      response.headers.get('content-type'),
      body,
    );
  },
};

/** The client users generate from the document, as the suites call the API. */
export function typedClient(baseUrl: string, key: string = TEST_ADMIN_KEY): AttuneClient {
  return createAttuneClient({ baseUrl, key, middleware: [checkedAgainstDocument] });
}
