import { envelopeProblem } from '../../src/domain/messages';

describe('envelope check on receipt', () => {
  const valid = () => ({
    message_id: 'm',
    correlation_id: 'c',
    message_type: 'EventCreated',
    version: '1.0',
    timestamp: '2026-01-01T00:00:00Z',
    headers: { retry_count: 1 },
    payload: {},
  });

  it('accepts a complete envelope and fills in a missing retry count', () => {
    expect(envelopeProblem(valid())).toBeUndefined();
    const bare: Record<string, unknown> = { ...valid() };
    delete bare.headers;
    expect(envelopeProblem(bare)).toBeUndefined();
    expect(bare.headers).toEqual({ retry_count: 0 });
  });

  it.each([
    [null, 'not a JSON object'],
    [[], 'not a JSON object'],
    [{ ...valid(), message_id: '' }, 'message_id must be a non-empty string'],
    [{ ...valid(), message_type: 3 }, 'message_type must be a non-empty string'],
    [{ ...valid(), headers: 'x' }, 'headers must be an object'],
    [{ ...valid(), headers: { retry_count: -1 } }, 'headers.retry_count must be a whole number'],
  ])('rejects %p: %s', (value, problem) => {
    expect(envelopeProblem(value)).toBe(problem);
  });

  it('rejects an envelope without a payload', () => {
    const noPayload: Record<string, unknown> = { ...valid() };
    delete noPayload.payload;
    expect(envelopeProblem(noPayload)).toBe('payload is missing');
  });
});
