import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { ExpressAdapter } from '@nestjs/platform-express';

/** What Express hangs its request and response methods on, per app. */
interface ExpressPrototypes {
  request: object;
  response: object;
}

/**
 * Node closes an idle keep-alive connection after 5 s; a client that reuses it at that moment
 * (a webhook sender's pool after a lull, a load balancer) gets ECONNRESET, and a webhook cannot
 * be retried blindly. Keep idle connections longer than the usual 60 s idle timeout of load
 * balancers, so the client side closes first.
 */
export const KEEP_ALIVE_MS = 65_000;

/**
 * The Express adapter with Attune's HTTP server. Express gives every request and response its
 * app's prototype with `Object.setPrototypeOf`, and in V8 that made them (and what they hold)
 * outlive the young generation: express 5 alone at 400 requests/s moved ~2.7 MB/s to the old
 * generation where plain `node:http` moved nothing. In the all-in-one under steady webhooks that
 * meant a full collection every few seconds, each a burst of 30–45 ms latencies (npm run bench;
 * promotion 8.5 → 3.8 MB/s with this). Here Node builds requests and responses with the app's
 * prototypes from the start, so Express's `setPrototypeOf` finds nothing to change.
 */
export class AttuneExpressAdapter extends ExpressAdapter {
  // Attune passes none of Nest's https / forceCloseConnections / return503OnClosing options.
  override initHttpServer(): void {
    const app = this.getInstance<ExpressPrototypes>();
    const server = createServer(
      {
        IncomingMessage: constructorWithPrototype(IncomingMessage, app.request),
        ServerResponse: constructorWithPrototype(ServerResponse, app.response),
      },
      this.getInstance(),
    );
    server.keepAliveTimeout = KEEP_ALIVE_MS;
    // Must exceed keepAliveTimeout, or a request arriving on an old connection can be cut off.
    server.headersTimeout = KEEP_ALIVE_MS + 1000;
    this.httpServer = server;
  }
}

/**
 * A constructor that runs Node's `base` (IncomingMessage, ServerResponse: plain constructor
 * functions, so they can initialise an object made elsewhere) on objects whose prototype is
 * `prototype`. A class could not choose its instances' prototype.
 */
function constructorWithPrototype<T>(base: T, prototype: object): T {
  function ExpressReady(this: object, ...args: unknown[]): void {
    Reflect.apply(base as (...args: unknown[]) => void, this, args);
  }
  ExpressReady.prototype = prototype;
  return ExpressReady as unknown as T;
}
