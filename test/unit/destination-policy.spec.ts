import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { fetch } from 'undici';
import {
  createPolicyAgent,
  createPolicyConnector,
  DEFAULT_HTTP_RUNNER_DENY,
  DestinationPolicy,
  DestinationRefusedError,
  parseCidrList,
} from '../../src/roles/worker/runners/destination-policy';
import { HttpRunner } from '../../src/roles/worker/runners/http-runner';
import { RunContext } from '../../src/roles/worker/runners/runner';

describe('parseCidrList', () => {
  it('accepts IPv4 and IPv6 CIDRs and bare addresses, tolerating whitespace', () => {
    expect(
      parseCidrList(' 169.254.169.254/32 , fd00:ec2::254/128,10.0.0.0/8, 192.0.2.7 ,::1'),
    ).toEqual({
      cidrs: ['169.254.169.254/32', 'fd00:ec2::254/128', '10.0.0.0/8', '192.0.2.7/32', '::1/128'],
      problems: [],
    });
  });

  it('names each bad entry and keeps the good ones', () => {
    const { cidrs, problems } = parseCidrList(
      '10.0.0.0/8,example.com,10.0.0.0/33,::1/129,1.2.3.4/x,1.2.3.4/8/8,fe80::1%eth0,/8',
    );
    expect(cidrs).toEqual(['10.0.0.0/8']);
    expect(problems).toHaveLength(7);
    for (const entry of ['example.com', '10.0.0.0/33', '::1/129', '1.2.3.4/x', '1.2.3.4/8/8']) {
      expect(problems.some((problem) => problem.includes(`"${entry}"`))).toBe(true);
    }
  });

  it('reads an empty or blank string as no entries', () => {
    expect(parseCidrList('')).toEqual({ cidrs: [], problems: [] });
    expect(parseCidrList('  ,  ')).toEqual({ cidrs: [], problems: [] });
  });

  it('parses the default deny list cleanly', () => {
    expect(parseCidrList(DEFAULT_HTTP_RUNNER_DENY).problems).toEqual([]);
  });
});

describe('DestinationPolicy.check', () => {
  const policy = new DestinationPolicy(
    parseCidrList(`${DEFAULT_HTTP_RUNNER_DENY},10.0.0.0/8`).cidrs,
  );

  it('refuses IPv4 addresses in a range and names the range', () => {
    expect(policy.check('169.254.169.254')).toBe(
      'destination 169.254.169.254 is in HTTP_RUNNER_DENY (169.254.169.254/32)',
    );
    expect(policy.check('10.200.3.4')).toBe(
      'destination 10.200.3.4 is in HTTP_RUNNER_DENY (10.0.0.0/8)',
    );
  });

  it('refuses IPv6 addresses in a range, however they are spelled', () => {
    expect(policy.check('fd00:ec2::254')).toContain('(fd00:ec2::254/128)');
    expect(policy.check('fd00:0ec2:0:0:0:0:0:0254')).toContain('(fd00:ec2::254/128)');
    expect(policy.check('[fd00:ec2::254]')).toContain('(fd00:ec2::254/128)');
  });

  it('treats IPv4-mapped IPv6 addresses as their IPv4 address', () => {
    const reason = 'destination 169.254.169.254 is in HTTP_RUNNER_DENY (169.254.169.254/32)';
    expect(policy.check('::ffff:169.254.169.254')).toBe(reason);
    expect(policy.check('::ffff:a9fe:a9fe')).toBe(reason);
    expect(policy.check('0:0:0:0:0:ffff:a9fe:a9fe')).toBe(reason);
    expect(policy.check('::ffff:10.1.1.1')).toContain('(10.0.0.0/8)');
    expect(policy.check('::ffff:192.0.2.1')).toBeUndefined();
  });

  it('allows addresses outside every range', () => {
    for (const address of ['169.254.169.253', '11.0.0.1', '127.0.0.1', 'fd00:ec2::253', '::1']) {
      expect(policy.check(address)).toBeUndefined();
    }
    expect(new DestinationPolicy([]).check('169.254.169.254')).toBeUndefined();
  });

  it('refuses what is not an IP address rather than guess', () => {
    expect(policy.check('example.com')).toContain('not an IP address');
  });

  it('rejects invalid ranges at construction', () => {
    expect(() => new DestinationPolicy(['10.0.0.0/40'])).toThrow('HTTP_RUNNER_DENY');
  });
});

describe('createPolicyConnector', () => {
  type ConnectOptions = Parameters<ReturnType<typeof createPolicyConnector>>[0];

  /** Runs the connector with a fake resolver and socket opener; reports what it did. */
  function connectWith(
    deny: string,
    target: Partial<ConnectOptions>,
    resolved: string[] = [],
  ): Promise<{ error: Error | null; opened?: ConnectOptions; lookups: string[] }> {
    const lookups: string[] = [];
    let opened: ConnectOptions | undefined;
    const connector = createPolicyConnector(new DestinationPolicy(parseCidrList(deny).cidrs), {
      lookup: async (host) => {
        lookups.push(host);
        return resolved.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
      },
      connect: (options, callback) => {
        opened = options;
        callback(new Error('fake socket'), null);
      },
    });
    return new Promise((resolve) =>
      connector(
        { hostname: 'x', protocol: 'https:', port: '443', ...target } as ConnectOptions,
        (...[error]) => resolve({ error, opened, lookups }),
      ),
    );
  }

  it('connects to the first resolved address, with the name as TLS server name', async () => {
    const outcome = await connectWith('10.0.0.0/8', { hostname: 'api.example' }, [
      '192.0.2.10',
      '192.0.2.11',
    ]);
    expect(outcome.lookups).toEqual(['api.example']);
    expect(outcome.opened).toMatchObject({ hostname: '192.0.2.10', servername: 'api.example' });
  });

  it('refuses a name when any of its addresses is denied, even one it would not use', async () => {
    const outcome = await connectWith('169.254.169.254/32', { hostname: 'rebind.example' }, [
      '192.0.2.10',
      '::ffff:169.254.169.254',
    ]);
    expect(outcome.error).toBeInstanceOf(DestinationRefusedError);
    expect(outcome.error?.message).toBe(
      'destination 169.254.169.254 is in HTTP_RUNNER_DENY (169.254.169.254/32)',
    );
    expect(outcome.opened).toBeUndefined();
  });

  it('checks IP literals without resolving them, brackets or not', async () => {
    const v4 = await connectWith('10.0.0.0/8', { hostname: '10.1.2.3' });
    expect(v4.error).toBeInstanceOf(DestinationRefusedError);
    expect(v4.lookups).toEqual([]);
    const v6 = await connectWith('fd00:ec2::254/128', { hostname: '[fd00:ec2::254]' });
    expect(v6.error).toBeInstanceOf(DestinationRefusedError);
    const allowed = await connectWith('10.0.0.0/8', { hostname: '[2001:db8::1]' });
    expect(allowed.opened).toMatchObject({ hostname: '2001:db8::1' });
    expect(allowed.opened?.servername).toBeUndefined();
  });

  it('passes resolver failures through as they are', async () => {
    const outcome = await connectWith('10.0.0.0/8', { hostname: 'nowhere.example' }, []);
    expect(outcome.error?.message).toContain('no address');
    expect(outcome.error).not.toBeInstanceOf(DestinationRefusedError);
  });
});

/** A loopback HTTP server that records the requests it sees. */
async function startServer(
  host: string,
  handler: (request: IncomingMessage) => { status: number; headers?: Record<string, string> },
): Promise<{ server: Server; port: number; seen: IncomingMessage[] }> {
  const seen: IncomingMessage[] = [];
  const server = createServer((request, response) => {
    seen.push(request);
    const { status, headers } = handler(request);
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify({ ok: true, path: request.url, host: request.headers.host }));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, port: (server.address() as AddressInfo).port, seen };
}

function stopServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

function context(parameters: Record<string, unknown>, signal?: AbortSignal): RunContext {
  return {
    executionId: 'e-1',
    parameters,
    signal: signal ?? new AbortController().signal,
    timeoutMs: 5_000,
  };
}

describe('HttpRunner with a destination policy', () => {
  const servers: Server[] = [];
  const runners: HttpRunner[] = [];
  const ok = () => ({ status: 200 });

  async function serve(host: string, handler = ok) {
    const started = await startServer(host, handler);
    servers.push(started.server);
    return started;
  }

  function runner(deny: string): HttpRunner {
    const created = new HttpRunner(new DestinationPolicy(parseCidrList(deny).cidrs));
    runners.push(created);
    return created;
  }

  afterEach(async () => {
    await Promise.all(runners.splice(0).map((r) => r.close()));
    await Promise.all(servers.splice(0).map(stopServer));
  });

  it('refuses a denied IP literal before connecting', async () => {
    const { port, seen } = await serve('127.0.0.1');
    const outcome = await runner('127.0.0.0/8').run(context({ url: `http://127.0.0.1:${port}/` }));
    expect(outcome).toEqual({
      status: 'failed',
      result: null,
      error: 'request refused: destination 127.0.0.1 is in HTTP_RUNNER_DENY (127.0.0.0/8)',
    });
    expect(seen).toHaveLength(0);
  });

  it('refuses a host name that resolves to a denied address', async () => {
    const { port, seen } = await serve('127.0.0.1');
    // localhost may resolve to ::1 before 127.0.0.1: deny both.
    const outcome = await runner('127.0.0.0/8,::1/128').run(
      context({ url: `http://localhost:${port}/` }),
    );
    expect(outcome).toMatchObject({ status: 'failed', result: null });
    expect((outcome as { error: string }).error).toMatch(
      /^request refused: destination (127\.0\.0\.1|::1) is in HTTP_RUNNER_DENY/,
    );
    expect(seen).toHaveLength(0);
  });

  it('lets allowed destinations through with the usual result', async () => {
    const { port, seen } = await serve('127.0.0.1');
    const outcome = await runner(DEFAULT_HTTP_RUNNER_DENY).run(
      context({ url: `http://127.0.0.1:${port}/hello`, method: 'post', body: { a: 1 } }),
    );
    expect(outcome).toMatchObject({
      status: 'succeeded',
      result: {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: { ok: true, path: '/hello', host: `127.0.0.1:${port}` },
      },
    });
    expect(seen.map((request) => request.method)).toEqual(['POST']);
  });

  it('refuses a redirect to a denied destination', async () => {
    const target = await serve('127.0.0.2');
    const first = await serve('127.0.0.1', () => ({
      status: 302,
      headers: { location: `http://127.0.0.2:${target.port}/inside` },
    }));
    const outcome = await runner('127.0.0.2/32').run(
      context({ url: `http://127.0.0.1:${first.port}/` }),
    );
    expect(outcome).toEqual({
      status: 'failed',
      result: null,
      error: 'request refused: destination 127.0.0.2 is in HTTP_RUNNER_DENY (127.0.0.2/32)',
    });
    expect(first.seen).toHaveLength(1);
    expect(target.seen).toHaveLength(0);
  });

  it('still reports other connection failures as request failed', async () => {
    const { server, port } = await serve('127.0.0.1');
    await stopServer(server);
    const outcome = await runner('').run(context({ url: `http://127.0.0.1:${port}/` }));
    expect(outcome).toMatchObject({ status: 'failed', result: null });
    expect((outcome as { error: string }).error).toMatch(
      /^request failed: fetch failed \(.*ECONNREFUSED/,
    );
  });

  it('still rethrows the abort reason when the signal aborts', async () => {
    const controller = new AbortController();
    const reason = new Error('timed out');
    setTimeout(() => controller.abort(reason), 20);
    // A server that never answers: only the abort can end the request.
    const silent = createServer(() => undefined);
    servers.push(silent);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentPort = (silent.address() as AddressInfo).port;
    await expect(
      runner('').run(context({ url: `http://127.0.0.1:${silentPort}/` }, controller.signal)),
    ).rejects.toBe(reason);
  });
});

describe('createPolicyAgent', () => {
  it('connects to the address it checked while the request keeps the name', async () => {
    const { server, port, seen } = await startServer('127.0.0.1', () => ({ status: 200 }));
    const agent = createPolicyAgent(new DestinationPolicy(['169.254.169.254/32']), {
      lookup: async () => [{ address: '127.0.0.1', family: 4 }],
    });
    try {
      const response = await fetch(`http://service.internal.test:${port}/`, { dispatcher: agent });
      expect(await response.json()).toMatchObject({ host: `service.internal.test:${port}` });
      expect(seen).toHaveLength(1);
    } finally {
      await agent.close();
      await stopServer(server);
    }
  });
});
