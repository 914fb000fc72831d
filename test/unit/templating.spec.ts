import {
  findTemplatePaths,
  injectedSecretReferences,
  renderTemplate,
  resolveSecretReferences,
  secretNamesIn,
  TemplateContext,
  validateTemplate,
} from '../../src/domain/templating';

const payload = {
  name: 'world',
  count: 3,
  ratio: 0.5,
  zero: 0,
  ok: true,
  off: false,
  nothing: null,
  empty: '',
  host: { name: 'web-01', port: 8080 },
  tags: ['prod', 'eu'],
  items: [{ id: 'a' }, { id: 'b', sizes: [1, 2] }],
};

const ctx: TemplateContext = {
  event: { id: 'evt-1', trigger: 'demo.alert', payload },
  rule: { ref: 'demo.on_alert' },
};

function render(template: unknown, context: TemplateContext = ctx): unknown {
  return renderTemplate(template, context);
}

describe('renderTemplate', () => {
  describe('a whole placeholder keeps the value type', () => {
    it.each([
      ['{{ event.payload.name }}', 'world'],
      ['{{ event.payload.count }}', 3],
      ['{{ event.payload.ratio }}', 0.5],
      ['{{ event.payload.zero }}', 0],
      ['{{ event.payload.ok }}', true],
      ['{{ event.payload.off }}', false],
      ['{{ event.payload.nothing }}', null],
      ['{{ event.payload.empty }}', ''],
      ['{{ event.payload.host }}', { name: 'web-01', port: 8080 }],
      ['{{ event.payload.tags }}', ['prod', 'eu']],
      ['{{ event.payload.items.1.sizes }}', [1, 2]],
      ['{{ event.payload.items.1.sizes.0 }}', 1],
      ['{{ event.payload }}', payload],
      ['{{ event.trigger }}', 'demo.alert'],
      ['{{ event.id }}', 'evt-1'],
      ['{{ rule.ref }}', 'demo.on_alert'],
    ])('%s -> %p', (template, expected) => {
      expect(render(template)).toEqual(expected);
    });

    it.each([
      '{{event.payload.count}}',
      '{{ event.payload.count}}',
      '{{event.payload.count }}',
      '{{   event.payload.count   }}',
      '{{\tevent.payload.count\n}}',
    ])('whitespace inside the braces is optional: %p', (template) => {
      expect(render(template)).toBe(3);
    });

    it('whitespace outside the braces makes it an embedded placeholder', () => {
      expect(render(' {{ event.payload.count }}')).toBe(' 3');
      expect(render('{{ event.payload.count }} ')).toBe('3 ');
      expect(render(' {{ event.payload.tags }}')).toBe(' ["prod","eu"]');
    });

    it('returns copies of objects and arrays, not the payload itself', () => {
      const host = render('{{ event.payload.host }}') as { name: string };
      expect(host).toEqual(payload.host);
      expect(host).not.toBe(payload.host);
      host.name = 'changed';
      expect(payload.host.name).toBe('web-01');

      const items = render('{{ event.payload.items }}') as { sizes?: number[] }[];
      expect(items[1].sizes).not.toBe(payload.items[1].sizes);
    });
  });

  describe('embedded placeholders interpolate as strings', () => {
    it.each([
      ['Hello {{ event.payload.name }}!', 'Hello world!'],
      ['count={{event.payload.count}}', 'count=3'],
      ['{{ event.payload.ratio }}%', '0.5%'],
      ['zero={{ event.payload.zero }}', 'zero=0'],
      ['ok={{ event.payload.ok }} off={{ event.payload.off }}', 'ok=true off=false'],
      ['null={{ event.payload.nothing }}', 'null=null'],
      ['[{{ event.payload.empty }}]', '[]'],
      ['host={{ event.payload.host }}', 'host={"name":"web-01","port":8080}'],
      ['tags={{ event.payload.tags }}', 'tags=["prod","eu"]'],
      ['{{ event.payload.name }}{{ event.payload.count }}', 'world3'],
      [
        '{{ event.trigger }} via {{ rule.ref }} ({{ event.id }})',
        'demo.alert via demo.on_alert (evt-1)',
      ],
      ['{{ event.payload.items.1.id }}-{{ event.payload.items.0.id }}', 'b-a'],
      ['missing=[{{ event.payload.missing }}]', 'missing=[]'],
      ['{{ event.payload.missing }}{{ event.payload.also.missing }}', ''],
    ])('%p -> %p', (template, expected) => {
      expect(render(template)).toBe(expected);
    });

    it('leaves text without placeholders alone', () => {
      expect(render('plain text')).toBe('plain text');
      expect(render('')).toBe('');
      expect(render('{ single } braces')).toBe('{ single } braces');
      expect(render('{{ unclosed')).toBe('{{ unclosed');
      expect(render('closed }}')).toBe('closed }}');
    });

    it('does not expand "$" patterns from the inserted value', () => {
      const context: TemplateContext = { event: { trigger: 't', payload: { v: "$& $' $1" } } };
      expect(render('x={{ event.payload.v }}', context)).toBe("x=$& $' $1");
    });

    it('does not re-render placeholders that come from the payload', () => {
      const context: TemplateContext = {
        event: { trigger: 't', payload: { v: '{{ event.trigger }}' } },
      };
      expect(render('v={{ event.payload.v }}', context)).toBe('v={{ event.trigger }}');
      expect(render('{{ event.payload.v }}', context)).toBe('{{ event.trigger }}');
    });
  });

  describe('missing paths', () => {
    it('omits an object key whose whole placeholder is missing, so defaults apply', () => {
      const result = render({
        msg: '{{ event.payload.missing }}',
        kept: '{{ event.payload.name }}',
        nil: '{{ event.payload.nothing }}',
      });
      expect(result).toEqual({ kept: 'world', nil: null });
      expect(Object.prototype.hasOwnProperty.call(result, 'msg')).toBe(false);
    });

    it('turns a missing whole placeholder in an array into null, keeping positions', () => {
      expect(
        render(['{{ event.payload.missing }}', '{{ event.payload.count }}', '{{ x.y }}']),
      ).toEqual([null, 3, null]);
    });

    it('yields undefined for a missing top-level whole placeholder', () => {
      expect(render('{{ event.payload.missing }}')).toBeUndefined();
      expect(render('{{ event.payload.items.7.id }}')).toBeUndefined();
      expect(render('{{ event.payload.name.first }}')).toBeUndefined();
    });

    it('event.id and rule.ref are missing when not in the context', () => {
      const bare: TemplateContext = { event: { trigger: 'demo.alert', payload: {} } };
      expect(
        render({ id: '{{ event.id }}', ref: '{{ rule.ref }}', t: '{{ event.trigger }}' }, bare),
      ).toEqual({
        t: 'demo.alert',
      });
      expect(render('id=[{{ event.id }}] ref=[{{ rule.ref }}]', bare)).toBe('id=[] ref=[]');
    });

    it('handles a payload that is not an object', () => {
      const scalar: TemplateContext = { event: { trigger: 't', payload: 'text' } };
      expect(render('{{ event.payload }}', scalar)).toBe('text');
      expect(render('{{ event.payload.x }}', scalar)).toBeUndefined();
      const none: TemplateContext = { event: { trigger: 't', payload: null } };
      expect(render({ all: '{{ event.payload }}', x: '{{ event.payload.x }}' }, none)).toEqual({
        all: null,
      });
    });
  });

  describe('only the documented roots resolve', () => {
    it.each([
      '{{ event }}',
      '{{ rule }}',
      '{{ foo.bar }}',
      '{{ event.payloadx }}',
      '{{ event.trigger.length }}',
      '{{ event.payload..name }}',
      '{{ payload.name }}',
      '{{ }}',
    ])('%s renders as missing', (template) => {
      expect(render(template)).toBeUndefined();
      expect(render(`[${template}]`)).toBe('[]');
    });
  });

  describe('nested structures', () => {
    it('renders deep objects and arrays', () => {
      const template = {
        url: 'https://{{ event.payload.host.name }}:{{ event.payload.host.port }}/alerts',
        body: {
          summary: '{{ event.trigger }}: {{ event.payload.name }}',
          count: '{{ event.payload.count }}',
          tags: ['static', '{{ event.payload.tags.0 }}', '{{ event.payload.tags }}'],
          rows: [{ id: '{{ event.payload.items.0.id }}', skip: '{{ event.payload.missing }}' }],
          matrix: [['{{ event.payload.ok }}', ['{{ event.payload.zero }}']]],
        },
        rule: '{{ rule.ref }}',
      };
      expect(render(template)).toEqual({
        url: 'https://web-01:8080/alerts',
        body: {
          summary: 'demo.alert: world',
          count: 3,
          tags: ['static', 'prod', ['prod', 'eu']],
          rows: [{ id: 'a' }],
          matrix: [[true, [0]]],
        },
        rule: 'demo.on_alert',
      });
    });

    it('returns non-string scalars unchanged', () => {
      expect(render(42)).toBe(42);
      expect(render(0)).toBe(0);
      expect(render(true)).toBe(true);
      expect(render(false)).toBe(false);
      expect(render(null)).toBeNull();
      expect(render(undefined)).toBeUndefined();
      expect(render({ n: 1, b: false, z: null, list: [1, true, null] })).toEqual({
        n: 1,
        b: false,
        z: null,
        list: [1, true, null],
      });
    });

    it('does not template object keys', () => {
      expect(render({ '{{ event.trigger }}': 'v', a: { '{{ rule.ref }}': 1 } })).toEqual({
        '{{ event.trigger }}': 'v',
        a: { '{{ rule.ref }}': 1 },
      });
    });

    it('keeps empty containers', () => {
      expect(render({})).toEqual({});
      expect(render([])).toEqual([]);
      expect(render({ a: {}, b: [] })).toEqual({ a: {}, b: [] });
    });

    it('keeps a "__proto__" key as plain data', () => {
      const template = JSON.parse('{"__proto__": {"polluted": "{{ event.trigger }}"}}') as unknown;
      const result = render(template) as Record<string, unknown>;
      expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
      expect(Object.prototype.hasOwnProperty.call(result, '__proto__')).toBe(true);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });

  it('never mutates the template or the context', () => {
    const template = {
      a: '{{ event.payload.missing }}',
      b: ['{{ event.payload.missing }}', '{{ event.payload.host }}'],
      c: { d: 'x {{ event.payload.name }}' },
    };
    const templateBefore = structuredClone(template);
    const ctxBefore = structuredClone(ctx);
    const result = render(template) as typeof template;
    expect(template).toEqual(templateBefore);
    expect(ctx).toEqual(ctxBefore);
    expect(result).not.toBe(template);
    expect(result.b).not.toBe(template.b);
    expect(result.c).not.toBe(template.c);
  });

  it('returns fresh containers even without placeholders', () => {
    const template = { a: [1, 2], b: { c: 'd' } };
    const result = render(template) as typeof template;
    expect(result).toEqual(template);
    expect(result).not.toBe(template);
    expect(result.a).not.toBe(template.a);
    expect(result.b).not.toBe(template.b);
  });
});

describe('findTemplatePaths', () => {
  it('lists distinct expressions in order of first appearance', () => {
    expect(
      findTemplatePaths({
        a: 'Hello {{ event.payload.name }} from {{event.trigger}}',
        b: [
          '{{ event.payload.items.0.id }}',
          { c: '{{ rule.ref }}', d: '{{ event.payload.name }}' },
        ],
        e: '{{ foo.bar }}',
        n: 1,
        keyed: { '{{ event.id }}': 'not a placeholder' },
      }),
    ).toEqual([
      'event.payload.name',
      'event.trigger',
      'event.payload.items.0.id',
      'rule.ref',
      'foo.bar',
    ]);
  });

  it('finds nothing in templates without placeholders', () => {
    expect(findTemplatePaths({ a: 'x', b: [1, null, true], c: {} })).toEqual([]);
    expect(findTemplatePaths(undefined)).toEqual([]);
    expect(findTemplatePaths(null)).toEqual([]);
    expect(findTemplatePaths('{{ unclosed')).toEqual([]);
  });

  it('works on a top-level string', () => {
    expect(findTemplatePaths('{{ event.id }}-{{ event.payload.n }}')).toEqual([
      'event.id',
      'event.payload.n',
    ]);
  });
});

describe('validateTemplate', () => {
  const usage =
    'use event.payload.<path>, event.trigger, event.id, rule.ref or secret.<name>, ' +
    'optionally followed by | raw';

  it('accepts every documented placeholder', () => {
    expect(
      validateTemplate({
        a: '{{ event.payload }}',
        b: '{{ event.payload.x.y.0 }}',
        c: 'x {{ event.trigger }} {{ event.id }} {{ rule.ref }}',
        d: [1, null, { e: '{{event.payload.z}}' }],
        f: 'no placeholders',
      }),
    ).toEqual([]);
    expect(validateTemplate(undefined)).toEqual([]);
    expect(validateTemplate({})).toEqual([]);
  });

  it('names the placeholder and where it is', () => {
    expect(validateTemplate({ msg: 'hi {{ foo.bar }}' })).toEqual([
      `unknown placeholder "{{ foo.bar }}" at parameters.msg; ${usage}`,
    ]);
  });

  it.each([
    'event',
    'rule',
    'payload.x',
    'event.payloadx',
    'event.trigger.x',
    'rule.ref.x',
    'Event.id',
  ])('rejects {{ %s }}', (expr) => {
    expect(validateTemplate({ v: `{{${expr}}}` })).toEqual([
      `unknown placeholder "{{ ${expr} }}" at parameters.v; ${usage}`,
    ]);
  });

  it('rejects empty path segments', () => {
    expect(validateTemplate({ v: '{{ event.payload..x }}', w: '{{ event.payload. }}' })).toEqual([
      'invalid placeholder "{{ event.payload..x }}" at parameters.v: the path has an empty segment',
      'invalid placeholder "{{ event.payload. }}" at parameters.w: the path has an empty segment',
    ]);
  });

  it('locates problems inside arrays and awkward keys', () => {
    expect(
      validateTemplate({
        list: ['ok', { deep: ['{{ a }}'] }],
        'content-type': '{{ b }}',
        'a.b': '{{ c }}',
        _ok$: '{{ d }}',
      }),
    ).toEqual([
      `unknown placeholder "{{ a }}" at parameters.list[1].deep[0]; ${usage}`,
      `unknown placeholder "{{ b }}" at parameters["content-type"]; ${usage}`,
      `unknown placeholder "{{ c }}" at parameters["a.b"]; ${usage}`,
      `unknown placeholder "{{ d }}" at parameters._ok$; ${usage}`,
    ]);
  });

  it('reports every bad placeholder in one string', () => {
    expect(validateTemplate({ m: '{{ x }} and {{ event.id }} and {{ y }}' })).toEqual([
      `unknown placeholder "{{ x }}" at parameters.m; ${usage}`,
      `unknown placeholder "{{ y }}" at parameters.m; ${usage}`,
    ]);
  });

  it('reports an empty placeholder', () => {
    expect(validateTemplate({ m: '{{ }}' })).toEqual([
      `unknown placeholder "{{ }}" at parameters.m; ${usage}`,
    ]);
  });

  it('uses a custom root name and handles a top-level string', () => {
    expect(validateTemplate('{{ nope }}', 'body')).toEqual([
      `unknown placeholder "{{ nope }}" at body; ${usage}`,
    ]);
    expect(validateTemplate(['{{ nope }}'])).toEqual([
      `unknown placeholder "{{ nope }}" at parameters[0]; ${usage}`,
    ]);
  });
});

describe('secrets and shell commands in templates', () => {
  const context: TemplateContext = {
    event: { trigger: 'demo.alert', payload: { host: 'db-1; id', sub: '$(id)', q: "it's" } },
  };

  it('keeps secret references for the worker, whole or embedded, with or without | raw', () => {
    expect(
      renderTemplate(
        {
          token: '{{ secret.api_token }}',
          header: 'Bearer {{secret.api_token}}',
          raw: '{{ secret.x | raw }}',
          host: '{{ event.payload.host }}',
        },
        context,
      ),
    ).toEqual({
      token: '{{ secret.api_token }}',
      header: 'Bearer {{ secret.api_token }}',
      raw: '{{ secret.x | raw }}',
      host: 'db-1; id',
    });
  });

  it('shell-quotes what it puts into the shell parameter, so event data stays one word', () => {
    const rendered = renderTemplate(
      {
        cmd: 'echo alert on {{ event.payload.host }} {{ event.payload.sub }} {{ event.payload.q }}',
        args: ['{{ event.payload.host }}'],
      },
      context,
      { shellQuoted: 'cmd' },
    );
    expect(rendered).toEqual({
      cmd: `echo alert on 'db-1; id' '$(id)' 'it'\\''s'`,
      args: ['db-1; id'],
    });
  });

  it('does not quote a substitution marked | raw, nor other parameters', () => {
    expect(
      renderTemplate(
        { cmd: 'ls {{ event.payload.host | raw }}', env: { H: '{{ event.payload.host }}' } },
        context,
        { shellQuoted: 'cmd' },
      ),
    ).toEqual({ cmd: 'ls db-1; id', env: { H: 'db-1; id' } });
  });

  it('quotes a whole placeholder in the shell parameter too', () => {
    expect(
      renderTemplate({ cmd: '{{ event.payload.sub }}' }, context, { shellQuoted: 'cmd' }),
    ).toEqual({ cmd: `'$(id)'` });
  });

  it('finds secret references that came in with event data', () => {
    const template = { a: '{{ event.payload.x }}', b: '{{ secret.pw }}' };
    const injected = renderTemplate(template, {
      event: { trigger: 't', payload: { x: 'steal {{ secret.pw }} and {{secret.other}}' } },
    });
    expect(injectedSecretReferences(template, injected).sort()).toEqual(['other', 'pw']);
    const clean = renderTemplate(template, { event: { trigger: 't', payload: { x: 'hi' } } });
    expect(injectedSecretReferences(template, clean)).toEqual([]);
  });

  it('puts secret values in on the worker, quoted in the shell parameter unless raw', () => {
    const values = new Map([
      ['pw', "p'w"],
      ['flag', '-v'],
    ]);
    expect(
      resolveSecretReferences(
        {
          cmd: 'login {{ secret.pw }} {{ secret.flag | raw }}',
          env: { PW: '{{ secret.pw }}' },
          other: '{{ secret.unknown }}',
        },
        values,
        { shellQuoted: 'cmd' },
      ),
    ).toEqual({
      cmd: `login 'p'\\''w' -v`,
      env: { PW: "p'w" },
      other: '{{ secret.unknown }}',
    });
    expect(secretNamesIn({ a: ['{{ secret.a }} {{ secret.b }}'], c: '{{ secret.a }}' })).toEqual([
      'a',
      'b',
    ]);
  });

  it('validates secret names and filters', () => {
    expect(validateTemplate({ a: '{{ secret.db_password }}', b: '{{ secret.x | raw }}' })).toEqual(
      [],
    );
    expect(validateTemplate({ a: '{{ secret.bad.name }}', b: '{{ event.id | upper }}' })).toEqual([
      'invalid placeholder "{{ secret.bad.name }}" at parameters.a: a secret name is letters, digits, _ and -',
      'invalid placeholder "{{ event.id | upper }}" at parameters.b: the only filter is "raw" (no shell quoting)',
    ]);
  });
});
