import {
  concurrencyKeyOf,
  concurrencyOf,
  overLimitReason,
  policyProblems,
} from '../../src/domain/concurrency-policy';

describe('concurrency policy', () => {
  it('accepts a limit with a parameters key and either on_limit; none at all too', () => {
    expect(policyProblems(undefined)).toEqual([]);
    expect(policyProblems(null)).toEqual([]);
    expect(policyProblems({ concurrency: { limit: 2 } })).toEqual([]);
    expect(
      policyProblems({
        concurrency: {
          limit: 1,
          key: '{{ parameters.host }}-{{ parameters.port }}',
          on_limit: 'cancel',
        },
      }),
    ).toEqual([]);
  });

  it('names every problem of a bad policy', () => {
    expect(
      policyProblems({
        concurrency: { limit: 0, key: '{{ event.payload.x }}', on_limit: 'drop', burst: 3 },
        retry: {},
      }),
    ).toEqual([
      'policy.retry is not a known policy',
      'policy.concurrency.burst is not a known field (limit, key, on_limit)',
      'policy.concurrency.limit must be an integer from 1 to 10000',
      'policy.concurrency.on_limit must be one of delay, cancel',
      'policy.concurrency.key: unknown placeholder "{{ event.payload.x }}"; use parameters.<path>',
    ]);
    expect(policyProblems({ concurrency: { limit: 2, key: 'static' } })).toEqual([
      'policy.concurrency.key must name a parameter, e.g. "{{ parameters.host }}"',
    ]);
    expect(policyProblems([])).toEqual(['policy must be an object']);
    expect(policyProblems({ concurrency: 3 })).toEqual(['policy.concurrency must be an object']);
  });

  it('renders the key over the parameters; no key is one count for the action', () => {
    const policy = concurrencyOf({
      concurrency: { limit: 2, key: 'h={{ parameters.host }}', on_limit: 'delay' },
    })!;
    expect(concurrencyKeyOf(policy, { host: 'db-1' })).toBe('h=db-1');
    expect(concurrencyKeyOf(policy, { host: 7 })).toBe('h=7');
    expect(concurrencyKeyOf(policy, {})).toBe('h=');
    expect(concurrencyKeyOf({ limit: 1, on_limit: 'delay' }, { host: 'x' })).toBe('');
  });

  it('defaults on_limit to delay, and says why an execution was canceled', () => {
    expect(concurrencyOf({ concurrency: { limit: 3 } as never })).toEqual({
      limit: 3,
      key: undefined,
      on_limit: 'delay',
    });
    expect(concurrencyOf(null)).toBeUndefined();
    expect(overLimitReason('ops.restart', { limit: 1, on_limit: 'cancel' }, 'db-1')).toBe(
      "canceled by the concurrency policy of ops.restart: 1 execution(s) for key 'db-1' already scheduled or running",
    );
  });
});
