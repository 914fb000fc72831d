import { openApiContract } from '../support/openapi-contract';

// The suites' answer check must catch drift, or every e2e test passing proves nothing.
describe('the answer check against the OpenAPI document', () => {
  const contract = openApiContract();
  const json = 'application/json; charset=utf-8';
  const execution = {
    id: '00000000-0000-4000-8000-000000000001',
    status: 'requested',
  };

  it('accepts a documented status with a body that matches', () => {
    expect(() =>
      contract.check(
        'POST',
        '/api/v1/executions/00000000-0000-4000-8000-000000000001/rerun',
        201,
        json,
        execution,
      ),
    ).not.toThrow();
  });

  it('refuses a status the operation does not document', () => {
    expect(() => contract.check('GET', '/api/v1/workers', 418, json, {})).toThrow(
      /418 is not documented/,
    );
  });

  it('refuses a body that does not match the schema', () => {
    expect(() =>
      contract.check('POST', '/api/v1/executions', 201, json, {
        id: 'not-a-uuid',
        status: 'requested',
      }),
    ).toThrow(/does not match the document.*format/);
  });

  it('refuses an error body outside the one error shape, even on unknown routes', () => {
    expect(() =>
      contract.check('GET', '/api/v1/nowhere', 404, json, { message: 'x', statusCode: 404 }),
    ).toThrow(/must have required property 'error'/);
  });

  it('prefers the literal route over a templated one', () => {
    expect(() =>
      contract.check('POST', '/api/v1/stream/tickets', 201, json, {
        ticket: 't',
        expires_at: '2026-12-02T00:00:00.000Z',
      }),
    ).not.toThrow();
  });
});
