import type { AddressInfo } from 'node:net';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { AttuneExpressAdapter, KEEP_ALIVE_MS } from '../../src/http/express-adapter';

interface ExpressApp {
  request: object;
  response: object;
  get(path: string, handler: (req: unknown, res: { json(body: unknown): void }) => void): void;
}

describe('AttuneExpressAdapter', () => {
  let adapter: AttuneExpressAdapter;
  let server: Server;
  let app: ExpressApp;

  beforeEach(async () => {
    adapter = new AttuneExpressAdapter();
    adapter.initHttpServer();
    server = adapter.getHttpServer() as Server;
    app = adapter.getInstance<ExpressApp>();
    app.get('/ping', (_req, res) => res.json({ pong: true }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('builds requests and responses with the Express prototypes (no setPrototypeOf per request)', async () => {
    const seen: Array<{ request: boolean; response: boolean }> = [];
    // Runs before Express sees the request: what Node built, untouched.
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      seen.push({
        request: Object.getPrototypeOf(req) === app.request,
        response: Object.getPrototypeOf(res) === app.response,
      });
    });
    const { port } = server.address() as AddressInfo;

    const reply = await fetch(`http://127.0.0.1:${port}/ping`);

    expect(reply.status).toBe(200);
    expect(await reply.json()).toEqual({ pong: true });
    expect(seen).toEqual([{ request: true, response: true }]);
  });

  it('keeps idle connections open longer than load balancers do', () => {
    expect(server.keepAliveTimeout).toBe(KEEP_ALIVE_MS);
    expect(server.headersTimeout).toBeGreaterThan(KEEP_ALIVE_MS);
  });
});
