import {
  CRITERIA_OPERATORS,
  Criteria,
  deepEqual,
  getPath,
  matchesCriteria,
  validateCriteria,
} from '../../src/domain/criteria';

const event = {
  trigger: 'demo.alert',
  payload: {
    severity: 'high',
    count: 5,
    ratio: 0.5,
    zero: 0,
    enabled: false,
    nothing: null,
    empty: '',
    host: 'web-01.example.com',
    tags: ['prod', 'eu', 'db'],
    numbers: [1, 2, 3],
    items: [
      { name: 'disk', level: 3 },
      { name: 'cpu', level: 9, labels: { team: 'ops' } },
    ],
    meta: { region: 'eu-west', nested: { deep: { value: 42 } } },
    matrix: [
      [1, 2],
      [3, 4],
    ],
    'dotted.key': 'unreachable',
  },
};

function match(criteria: Criteria | null | undefined): boolean {
  return matchesCriteria(criteria, event);
}

// Cast: runtime input arrives as unknown JSON from the database or the API.
function matchRaw(criteria: unknown): boolean {
  return matchesCriteria(criteria as Criteria, event);
}

describe('getPath', () => {
  it.each([
    ['trigger', 'demo.alert'],
    ['payload.severity', 'high'],
    ['payload.meta.region', 'eu-west'],
    ['payload.meta.nested.deep.value', 42],
    ['payload.items.0.name', 'disk'],
    ['payload.items.1.labels.team', 'ops'],
    ['payload.tags.2', 'db'],
    ['payload.matrix.1.0', 3],
    ['payload.nothing', null],
    ['payload.zero', 0],
    ['payload.enabled', false],
    ['payload.empty', ''],
  ])('%s resolves to %p', (path, value) => {
    expect(getPath(event, path)).toEqual(value);
  });

  it('returns objects and arrays by reference', () => {
    expect(getPath(event, 'payload.meta')).toBe(event.payload.meta);
    expect(getPath(event, 'payload.tags')).toBe(event.payload.tags);
  });

  it.each([
    'missing',
    'payload.missing',
    'payload.meta.missing.deeper',
    'payload.items.5.name',
    'payload.items.-1',
    'payload.items.01',
    'payload.items.1.5',
    'payload.items.first',
    'payload.tags.length',
    'payload.severity.length',
    'payload.severity.0',
    'payload.nothing.x',
    'payload.count.x',
    'payload.dotted.key',
    'payload..severity',
    'payload.',
    '.payload',
  ])('%s is undefined', (path) => {
    expect(getPath(event, path)).toBeUndefined();
  });

  it('does not follow prototype properties', () => {
    expect(getPath(event, 'payload.__proto__')).toBeUndefined();
    expect(getPath(event, 'payload.constructor')).toBeUndefined();
    expect(getPath(event, 'payload.toString')).toBeUndefined();
    expect(getPath(event, 'payload.tags.map')).toBeUndefined();
  });

  it('treats the empty path as the object itself', () => {
    expect(getPath(event, '')).toBe(event);
  });

  it('is undefined for non-object roots', () => {
    expect(getPath(null, 'a')).toBeUndefined();
    expect(getPath(undefined, 'a')).toBeUndefined();
    expect(getPath('text', 'length')).toBeUndefined();
    expect(getPath(7, 'a')).toBeUndefined();
  });

  it('reads numeric keys of plain objects', () => {
    expect(getPath({ a: { '0': 'zero' } }, 'a.0')).toBe('zero');
  });
});

describe('deepEqual', () => {
  it.each([
    [1, 1],
    ['a', 'a'],
    [null, null],
    [true, true],
    [
      [1, [2, { a: 3 }]],
      [1, [2, { a: 3 }]],
    ],
    [
      { a: 1, b: { c: [1, 2] } },
      { b: { c: [1, 2] }, a: 1 },
    ],
    [{}, {}],
    [[], []],
  ])('%p equals %p', (a, b) => {
    expect(deepEqual(a, b)).toBe(true);
  });

  it.each([
    [1, '1'],
    [0, false],
    [null, undefined],
    [null, {}],
    [[], {}],
    [
      [1, 2],
      [2, 1],
    ],
    [[1], [1, 1]],
    [{ a: 1 }, { a: 1, b: 2 }],
    [{ a: 1, b: 2 }, { a: 1 }],
    [{ a: undefined }, { b: undefined }],
    [{ a: { b: 1 } }, { a: { b: 2 } }],
  ])('%p differs from %p', (a, b) => {
    expect(deepEqual(a, b)).toBe(false);
  });
});

describe('matchesCriteria', () => {
  describe('empty criteria', () => {
    it.each([undefined, null, {}])('%p matches everything', (criteria) => {
      expect(matchesCriteria(criteria as Criteria, event)).toBe(true);
      expect(matchesCriteria(criteria as Criteria, {})).toBe(true);
    });
  });

  describe('eq', () => {
    it.each([
      ['payload.severity', 'high'],
      ['trigger', 'demo.alert'],
      ['payload.count', 5],
      ['payload.zero', 0],
      ['payload.enabled', false],
      ['payload.nothing', null],
      ['payload.empty', ''],
      ['payload.tags', ['prod', 'eu', 'db']],
      ['payload.meta.nested', { deep: { value: 42 } }],
      ['payload.items.1', { labels: { team: 'ops' }, level: 9, name: 'cpu' }],
    ])('%s eq %p is true', (path, operand) => {
      expect(match({ [path]: { eq: operand } })).toBe(true);
    });

    it.each([
      ['payload.severity', 'low'],
      ['payload.severity', 'HIGH'],
      ['payload.count', '5'],
      ['payload.count', 6],
      ['payload.zero', false],
      ['payload.zero', null],
      ['payload.enabled', 0],
      ['payload.nothing', 'null'],
      ['payload.empty', null],
      ['payload.tags', ['prod', 'eu']],
      ['payload.tags', ['eu', 'prod', 'db']],
      ['payload.meta.nested', { deep: { value: 43 } }],
      ['payload.missing', null],
      ['payload.missing', ''],
    ])('%s eq %p is false', (path, operand) => {
      expect(match({ [path]: { eq: operand } })).toBe(false);
    });
  });

  describe('neq', () => {
    it.each([
      ['payload.severity', 'low'],
      ['payload.count', '5'],
      ['payload.tags', ['prod']],
      ['payload.meta.nested', { deep: {} }],
      ['payload.nothing', 'x'],
      ['payload.missing', 'anything'],
      ['payload.missing', null],
    ])('%s neq %p is true', (path, operand) => {
      expect(match({ [path]: { neq: operand } })).toBe(true);
    });

    it.each([
      ['payload.severity', 'high'],
      ['payload.count', 5],
      ['payload.nothing', null],
      ['payload.tags', ['prod', 'eu', 'db']],
      ['payload.meta.nested', { deep: { value: 42 } }],
    ])('%s neq %p is false', (path, operand) => {
      expect(match({ [path]: { neq: operand } })).toBe(false);
    });
  });

  describe('gt, gte, lt, lte', () => {
    it.each([
      ['gt', 'payload.count', 3, true],
      ['gt', 'payload.count', 5, false],
      ['gt', 'payload.count', 7, false],
      ['gte', 'payload.count', 5, true],
      ['gte', 'payload.count', 4.5, true],
      ['gte', 'payload.count', 6, false],
      ['lt', 'payload.count', 6, true],
      ['lt', 'payload.count', 5, false],
      ['lte', 'payload.count', 5, true],
      ['lte', 'payload.count', 4, false],
      ['gt', 'payload.ratio', 0.25, true],
      ['lt', 'payload.zero', 1, true],
      ['gt', 'payload.zero', -1, true],
      ['gt', 'payload.severity', 'a', true],
      ['gt', 'payload.severity', 'z', false],
      ['gte', 'payload.severity', 'high', true],
      ['lt', 'payload.severity', 'higher', true],
      ['lte', 'payload.severity', 'hig', false],
      ['lt', 'payload.meta.region', 'eu-x', true],
    ])('%s: %s vs %p is %p', (op, path, operand, expected) => {
      expect(match({ [path]: { [op]: operand } })).toBe(expected);
    });

    it.each(['gt', 'gte', 'lt', 'lte'])('%s is false across types', (op) => {
      expect(match({ 'payload.count': { [op]: '5' } })).toBe(false);
      expect(match({ 'payload.count': { [op]: '1' } })).toBe(false);
      expect(match({ 'payload.severity': { [op]: 1 } })).toBe(false);
      expect(match({ 'payload.enabled': { [op]: 0 } })).toBe(false);
      expect(match({ 'payload.nothing': { [op]: 0 } })).toBe(false);
      expect(match({ 'payload.tags': { [op]: 'a' } })).toBe(false);
      expect(match({ 'payload.meta': { [op]: 1 } })).toBe(false);
    });

    it.each(['gt', 'gte', 'lt', 'lte'])('%s is false on a missing path', (op) => {
      expect(match({ 'payload.missing': { [op]: 0 } })).toBe(false);
      expect(match({ 'payload.missing': { [op]: '' } })).toBe(false);
    });

    it.each(['gt', 'gte', 'lt', 'lte'])('%s with a non-orderable operand never matches', (op) => {
      expect(matchRaw({ 'payload.count': { [op]: null } })).toBe(false);
      expect(matchRaw({ 'payload.count': { [op]: [1] } })).toBe(false);
      expect(matchRaw({ 'payload.count': { [op]: true } })).toBe(false);
      expect(matchRaw({ 'payload.count': { [op]: NaN } })).toBe(false);
    });

    it('supports a range with two operators on one path', () => {
      expect(match({ 'payload.count': { gte: 1, lt: 10 } })).toBe(true);
      expect(match({ 'payload.count': { gte: 1, lt: 5 } })).toBe(false);
    });
  });

  describe('in', () => {
    it.each([
      ['payload.severity', ['low', 'high']],
      ['payload.count', [1, 5]],
      ['payload.nothing', [null]],
      ['payload.enabled', [false]],
      ['payload.meta.nested.deep', [{ value: 42 }]],
      ['payload.numbers', [[1, 2, 3]]],
    ])('%s in %p is true', (path, operand) => {
      expect(match({ [path]: { in: operand } })).toBe(true);
    });

    it.each([
      ['payload.severity', ['low', 'medium']],
      ['payload.severity', []],
      ['payload.count', ['5']],
      ['payload.enabled', [0, null, '']],
      ['payload.nothing', [undefined]],
      ['payload.missing', [null, undefined, 'x']],
      ['payload.tags', ['prod']],
    ])('%s in %p is false', (path, operand) => {
      expect(match({ [path]: { in: operand } })).toBe(false);
    });

    it('is false when the operand is not an array', () => {
      expect(matchRaw({ 'payload.severity': { in: 'high' } })).toBe(false);
      expect(matchRaw({ 'payload.severity': { in: { high: true } } })).toBe(false);
    });
  });

  describe('contains', () => {
    it.each([
      ['payload.host', 'example'],
      ['payload.host', 'web-01.example.com'],
      ['payload.host', ''],
      ['payload.tags', 'eu'],
      ['payload.numbers', 2],
      ['payload.items', { name: 'disk', level: 3 }],
      ['payload.matrix', [3, 4]],
    ])('%s contains %p is true', (path, operand) => {
      expect(match({ [path]: { contains: operand } })).toBe(true);
    });

    it.each([
      ['payload.host', 'Example'],
      ['payload.host', 'nope'],
      ['payload.host', 1],
      ['payload.tags', 'e'],
      ['payload.tags', ['eu']],
      ['payload.numbers', '2'],
      ['payload.items', { name: 'disk' }],
      ['payload.matrix', 3],
      ['payload.count', 5],
      ['payload.meta', 'region'],
      ['payload.nothing', null],
      ['payload.missing', 'x'],
    ])('%s contains %p is false', (path, operand) => {
      expect(match({ [path]: { contains: operand } })).toBe(false);
    });

    it('string contains a number is false (no coercion)', () => {
      expect(matchesCriteria({ 'payload.v': { contains: 1 } }, { payload: { v: 'a1b' } })).toBe(
        false,
      );
    });
  });

  describe('regex', () => {
    it.each([
      ['payload.host', '^web-\\d+\\.'],
      ['payload.host', 'example\\.com$'],
      ['payload.severity', 'high|critical'],
      ['payload.severity', ''],
      ['payload.empty', '^$'],
      ['trigger', '^demo\\.'],
    ])('%s regex %p is true', (path, operand) => {
      expect(match({ [path]: { regex: operand } })).toBe(true);
    });

    it.each([
      ['payload.host', '^db-'],
      ['payload.severity', '^HIGH$'],
      ['payload.count', '5'],
      ['payload.tags', 'prod'],
      ['payload.nothing', 'null'],
      ['payload.missing', '.*'],
    ])('%s regex %p is false', (path, operand) => {
      expect(match({ [path]: { regex: operand } })).toBe(false);
    });

    it('treats an invalid pattern as no match instead of throwing', () => {
      expect(() => match({ 'payload.host': { regex: '([' } })).not.toThrow();
      expect(match({ 'payload.host': { regex: '([' } })).toBe(false);
      expect(match({ 'payload.host': { regex: '*' } })).toBe(false);
      // Same invalid pattern again goes through the cached negative result.
      expect(match({ 'payload.host': { regex: '([' } })).toBe(false);
    });

    it('is false when the operand is not a string', () => {
      expect(matchRaw({ 'payload.host': { regex: 1 } })).toBe(false);
      expect(matchRaw({ 'payload.host': { regex: null } })).toBe(false);
    });

    it('gives the same answer on repeated evaluation (no lastIndex state)', () => {
      const criteria = { 'payload.host': { regex: 'web' } };
      for (let i = 0; i < 5; i++) expect(match(criteria)).toBe(true);
    });

    it('keeps working past the compiled-pattern cache limit', () => {
      for (let i = 0; i < 600; i++) {
        expect(
          matchesCriteria({ 'payload.n': { regex: `^${i}$` } }, { payload: { n: String(i) } }),
        ).toBe(true);
      }
      expect(match({ 'payload.host': { regex: 'web' } })).toBe(true);
    });
  });

  describe('exists', () => {
    it.each([
      ['payload.severity', true, true],
      ['payload.nothing', true, true],
      ['payload.zero', true, true],
      ['payload.enabled', true, true],
      ['payload.empty', true, true],
      ['payload.items.0', true, true],
      ['payload.missing', true, false],
      ['payload.items.9', true, false],
      ['payload.severity', false, false],
      ['payload.nothing', false, false],
      ['payload.missing', false, true],
      ['payload.meta.missing.deeper', false, true],
    ])('%s exists %p is %p', (path, operand, expected) => {
      expect(match({ [path]: { exists: operand } })).toBe(expected);
    });

    it('never matches with a non-boolean operand', () => {
      expect(matchRaw({ 'payload.severity': { exists: 'true' } })).toBe(false);
      expect(matchRaw({ 'payload.missing': { exists: 0 } })).toBe(false);
    });

    it('treats an explicitly undefined value as missing', () => {
      expect(
        matchesCriteria({ 'payload.v': { exists: false } }, { payload: { v: undefined } }),
      ).toBe(true);
    });
  });

  describe('missing paths', () => {
    it.each([
      [{ eq: 'x' }, false],
      [{ eq: null }, false],
      [{ neq: 'x' }, true],
      [{ gt: 0 }, false],
      [{ gte: 0 }, false],
      [{ lt: 0 }, false],
      [{ lte: 0 }, false],
      [{ in: ['x', null] }, false],
      [{ contains: 'x' }, false],
      [{ regex: '.*' }, false],
      [{ exists: true }, false],
      [{ exists: false }, true],
    ])('%p on a missing path is %p', (condition, expected) => {
      expect(match({ 'payload.not.there': condition })).toBe(expected);
    });

    it('a missing payload altogether', () => {
      expect(matchesCriteria({ 'payload.x': { eq: 1 } }, { trigger: 't' })).toBe(false);
      expect(matchesCriteria({ 'payload.x': { exists: false } }, { trigger: 't' })).toBe(true);
    });
  });

  describe('AND semantics', () => {
    it('all criteria must hold', () => {
      expect(
        match({
          'payload.severity': { eq: 'high' },
          'payload.count': { gt: 3 },
          'payload.tags': { contains: 'prod' },
          trigger: { eq: 'demo.alert' },
        }),
      ).toBe(true);
      expect(
        match({
          'payload.severity': { eq: 'high' },
          'payload.count': { gt: 30 },
        }),
      ).toBe(false);
      expect(
        match({
          'payload.severity': { eq: 'low' },
          'payload.count': { gt: 3 },
        }),
      ).toBe(false);
    });

    it('all operators inside one condition must hold', () => {
      expect(match({ 'payload.host': { regex: '^web', contains: 'example', neq: 'x' } })).toBe(
        true,
      );
      expect(match({ 'payload.host': { regex: '^web', contains: 'nope' } })).toBe(false);
      expect(match({ 'payload.severity': { exists: true, in: ['low'] } })).toBe(false);
    });

    it('matches nested objects and arrays', () => {
      expect(
        match({
          'payload.items.1.labels.team': { eq: 'ops' },
          'payload.items.0.level': { lt: 5 },
          'payload.meta.nested.deep.value': { gte: 42 },
          'payload.matrix.0': { eq: [1, 2] },
        }),
      ).toBe(true);
    });
  });

  describe('fails closed on malformed criteria', () => {
    it.each([
      ['an unknown operator', { 'payload.severity': { equals: 'high' } }],
      ['an unknown operator next to a true one', { 'payload.severity': { eq: 'high', foo: 1 } }],
      ['a condition that is not an object', { 'payload.severity': 'high' }],
      ['a null condition', { 'payload.severity': null }],
      ['an array condition', { 'payload.severity': [{ eq: 'high' }] }],
      ['an empty condition', { 'payload.severity': {} }],
      ['an array as criteria', [{ 'payload.severity': { eq: 'high' } }]],
      ['a string as criteria', 'payload.severity == high'],
    ])('%s never matches', (_label, criteria) => {
      expect(matchRaw(criteria)).toBe(false);
    });
  });

  it('does not mutate the criteria or the subject', () => {
    const criteria = { 'payload.tags': { contains: 'eu' }, 'payload.count': { in: [5] } };
    const before = JSON.stringify(criteria);
    const subjectBefore = JSON.stringify(event);
    match(criteria);
    expect(JSON.stringify(criteria)).toBe(before);
    expect(JSON.stringify(event)).toBe(subjectBefore);
  });
});

describe('validateCriteria', () => {
  const ops = 'eq, neq, gt, gte, lt, lte, in, contains, regex, exists';

  it('exports every operator', () => {
    expect(CRITERIA_OPERATORS.join(', ')).toBe(ops);
  });

  it.each([
    undefined,
    null,
    {},
    { 'payload.severity': { eq: 'high' }, 'payload.count': { gt: 3 } },
    {
      trigger: { eq: 'demo.alert', neq: 'x' },
      'payload.a': { eq: null },
      'payload.b': { eq: { nested: [1, 2] } },
      'payload.c': { gt: 1, gte: '1', lt: 2.5, lte: 'z' },
      'payload.d': { in: [] },
      'payload.e': { in: [1, 'a', null, { x: 1 }] },
      'payload.f': { contains: 'x' },
      'payload.g': { contains: { k: 1 } },
      'payload.h': { regex: '^a(b|c)+$' },
      'payload.i': { exists: true },
      'payload.j': { exists: false },
      'payload.items.0.name': { eq: 'disk' },
    },
  ])('accepts %p', (criteria) => {
    expect(validateCriteria(criteria)).toEqual([]);
  });

  it.each([['a string'], [42], [true], [[{ 'payload.x': { eq: 1 } }]]])(
    'rejects %p as criteria',
    (criteria) => {
      expect(validateCriteria(criteria)).toEqual([
        'criteria must be an object mapping event paths to conditions',
      ]);
    },
  );

  it.each([['high'], [null], [3], [[{ eq: 'high' }]]])(
    'rejects a condition that is %p',
    (condition) => {
      expect(validateCriteria({ 'payload.severity': condition })).toEqual([
        `criteria["payload.severity"] must be an object of operators (${ops})`,
      ]);
    },
  );

  it('rejects an empty condition', () => {
    expect(validateCriteria({ 'payload.severity': {} })).toEqual([
      `criteria["payload.severity"] must contain at least one operator (${ops})`,
    ]);
  });

  it('names an unknown operator and lists the valid ones', () => {
    expect(validateCriteria({ 'payload.severity': { equals: 'high' } })).toEqual([
      `criteria["payload.severity"] has unknown operator "equals"; valid operators are ${ops}`,
    ]);
  });

  it.each(['gt', 'gte', 'lt', 'lte'])('%s needs a number or a string', (op) => {
    for (const operand of [null, true, [], {}, NaN]) {
      expect(validateCriteria({ 'payload.count': { [op]: operand } })).toEqual([
        `criteria["payload.count"].${op} must be a number or a string`,
      ]);
    }
  });

  it('in needs an array', () => {
    for (const operand of ['high', 1, null, { a: 1 }]) {
      expect(validateCriteria({ 'payload.severity': { in: operand } })).toEqual([
        'criteria["payload.severity"].in must be an array',
      ]);
    }
  });

  it('regex needs a string', () => {
    for (const operand of [1, null, true, ['a'], { source: 'a' }]) {
      expect(validateCriteria({ 'payload.host': { regex: operand } })).toEqual([
        'criteria["payload.host"].regex must be a string',
      ]);
    }
  });

  it.each(['([', '*', 'a{2,1}', '(?<n>a)(?<n>b)'])('regex %p is reported as invalid', (pattern) => {
    const errors = validateCriteria({ 'payload.host': { regex: pattern } });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^criteria\["payload\.host"\]\.regex is not a valid regular expression: .+/,
    );
  });

  it('exists needs a boolean', () => {
    for (const operand of ['true', 1, 0, null, {}]) {
      expect(validateCriteria({ 'payload.x': { exists: operand } })).toEqual([
        'criteria["payload.x"].exists must be true or false',
      ]);
    }
  });

  it('rejects an empty path or empty path segments', () => {
    expect(validateCriteria({ '': { exists: true } })).toEqual([
      'criteria[""] is not a valid path; use dotted segments such as "payload.severity"',
    ]);
    expect(validateCriteria({ 'payload..x': { eq: 1 } })).toEqual([
      'criteria["payload..x"] is not a valid path; use dotted segments such as "payload.severity"',
    ]);
  });

  it('escapes quotes in paths', () => {
    expect(validateCriteria({ 'payload.a"b': { gt: null } })).toEqual([
      'criteria["payload.a\\"b"].gt must be a number or a string',
    ]);
  });

  it('reports every problem, not just the first', () => {
    expect(
      validateCriteria({
        'payload.a': { gt: [], foo: 1, in: 'x' },
        'payload.b': 'oops',
        'payload.c': { regex: '(' },
        'payload.d': { eq: 1 },
      }),
    ).toEqual([
      'criteria["payload.a"].gt must be a number or a string',
      `criteria["payload.a"] has unknown operator "foo"; valid operators are ${ops}`,
      'criteria["payload.a"].in must be an array',
      `criteria["payload.b"] must be an object of operators (${ops})`,
      expect.stringMatching(/^criteria\["payload\.c"\]\.regex is not a valid regular expression/),
    ]);
  });

  it('whatever it accepts, matchesCriteria evaluates without throwing', () => {
    const criteria = {
      'payload.a': { gt: 1, regex: 'x', in: [1], contains: 1, exists: true, neq: 2 },
    };
    expect(validateCriteria(criteria)).toEqual([]);
    expect(() => matchesCriteria(criteria, { payload: { a: 'x' } })).not.toThrow();
  });
});
