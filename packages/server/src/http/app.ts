import { fastifyCookie } from '@fastify/cookie';
import Fastify, { LogController } from 'fastify';
import type { Logger } from 'pino';
import type { AccountService } from '../accounts/service.js';
import type { BlobService } from '../blobs/service.js';
import type { Metrics } from '../metrics/metrics.js';
import { TLS_PROTOCOL_OPTIONS } from '../tls/options.js';
import { blobRoutes } from './blobs.js';
import { sessionRoutes } from './session.js';
import { webClient } from './web.js';

/**
 * The Content-Security-Policy of every response: only this origin's scripts,
 * styles, images, workers and connections (including its own wss:); no inline
 * script or eval, no plugins, no framing, no third-party requests.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "media-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** What the HTTPS application serves besides its health check. */
export interface HttpAppOptions {
  tls: { cert: string; key: string };
  log: Logger;
  /** True once the server accepts connections (`/healthz` answers 503 before). */
  isReady: () => boolean;
  /** Reachability of what the server depends on (`database`, and `redis` in a cluster); `/healthz` answers 503 when one is unreachable. */
  health?: (() => Promise<Record<string, 'ok' | 'unreachable'>>) | undefined;
  accounts: AccountService;
  /** Directory of the built web client (`index.html`, `assets/`…); a landing page when absent or not built. */
  webRoot?: string | undefined;
  /** Served at `GET /metrics` (Prometheus text format) when given; `/metrics` is a 404 otherwise. */
  metrics?: Metrics | undefined;
  /** Encrypted files at `BLOB_PATH` (`blobRoutes`); not served when absent. */
  blobs?: BlobService | undefined;
}

/**
 * The HTTPS application: `GET /healthz` (`{"status":"ok","database":"ok"}` once
 * ready and its database — and Redis, in a cluster — answer; 503 otherwise),
 * `GET /metrics` (Prometheus text format, only with `metrics`), the web
 * client at `/` (static files from `webRoot`), the web session cookie at
 * `SESSION_PATH`, and encrypted files at `BLOB_PATH` (only with `blobs`).
 * Security headers (CSP, HSTS, nosniff, no framing) on every response.
 */
export function createHttpApp(options: HttpAppOptions) {
  const app = Fastify({
    // TLS 1.2+ with AEAD suites only, server order (`TLS_PROTOCOL_OPTIONS`).
    https: { cert: options.tls.cert, key: options.tls.key, ...TLS_PROTOCOL_OPTIONS },
    loggerInstance: options.log,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 16 * 1024,
    // On close, drop every HTTP connection: browsers keep spare TLS connections open
    // without a request, which would otherwise hold shutdown until Node's 60 s headers timeout.
    forceCloseConnections: true,
  });
  app.addHook('onSend', async (_req, reply) => {
    reply.header('strict-transport-security', 'max-age=31536000');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    reply.header('cross-origin-opener-policy', 'same-origin');
    reply.header('cross-origin-resource-policy', 'same-origin');
    reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=()');
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
  });
  app.get('/healthz', async (_req, reply) => {
    if (!options.isReady()) return reply.code(503).send({ status: 'starting' });
    const checks = (await options.health?.()) ?? {};
    if (Object.values(checks).some((c) => c !== 'ok')) return reply.code(503).send({ status: 'degraded', ...checks });
    return { status: 'ok', ...checks };
  });
  const metrics = options.metrics;
  if (metrics) {
    app.get('/metrics', async (_req, reply) => {
      const text = await metrics.render();
      return reply.type(metrics.contentType).header('cache-control', 'no-store').send(text);
    });
  }
  void app.register(fastifyCookie);
  void app.register(sessionRoutes, { accounts: options.accounts });
  if (options.blobs) void app.register(blobRoutes, { accounts: options.accounts, blobs: options.blobs });
  void app.register(webClient, { webRoot: options.webRoot });
  return app;
}

/** The HTTPS application type. */
export type HttpApp = ReturnType<typeof createHttpApp>;
