import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import type { NestExpressApplication } from '@nestjs/platform-express';

/** Where `npm run build` puts the console (vite builds web/ into dist/web, next to dist/http). */
export const WEB_CONSOLE_DIR = join(__dirname, '..', 'web');

/** Paths the console never answers: the API, health, metrics and the notifier's socket. */
const SERVER_PATHS = /^\/(api|health|metrics|ws)(\/|$)/;

/**
 * The built console is static: hashed files under /assets change name when they change, so they
 * are cached for a year; index.html names them, so it is revalidated on every load.
 */
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

/**
 * What the page may load: only this origin (the API and /ws), no inline script, no framing.
 * `connect-src 'self'` covers ws: and wss: on the same host in current browsers.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

interface ConsoleRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
}

interface ConsoleResponse extends ServerResponse {
  sendFile(path: string, options: { headers: Record<string, string> }): void;
}

/**
 * Serves the web console at `/` from the api role: static files first, then index.html for any
 * other page a browser asks for (the console's own routes, such as /executions/<id>). Requests for
 * API paths, and requests that do not accept HTML, fall through to Nest (JSON 404s stay JSON).
 * Returns false when the console was not built (the server still runs; it logs why).
 */
export function serveWebConsole(app: NestExpressApplication, dir = WEB_CONSOLE_DIR): boolean {
  const index = join(dir, 'index.html');
  if (!existsSync(index)) return false;
  const pageHeaders = {
    'Cache-Control': REVALIDATE,
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  };
  app.useStaticAssets(dir, {
    index: false,
    redirect: false,
    fallthrough: true,
    setHeaders: (response: ServerResponse, filePath: string) => {
      const immutable = filePath.startsWith(join(dir, 'assets'));
      response.setHeader('Cache-Control', immutable ? IMMUTABLE : REVALIDATE);
      response.setHeader('X-Content-Type-Options', 'nosniff');
    },
  });
  app.use((request: ConsoleRequest, response: ConsoleResponse, next: () => void) => {
    const accept = String(request.headers.accept ?? '');
    const isPage =
      (request.method === 'GET' || request.method === 'HEAD') &&
      !SERVER_PATHS.test(request.path) &&
      !request.path.startsWith('/assets/') &&
      accept.includes('text/html');
    if (!isPage) return next();
    response.sendFile(index, { headers: pageHeaders });
  });
  return true;
}
