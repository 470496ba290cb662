import Fastify, { LogController } from 'fastify';
import type { Logger } from 'pino';

/**
 * The HTTPS application: `GET /healthz` (`{"status":"ok"}` once ready) and a
 * landing page pointing to the clients. Security headers on every response.
 */
export function createHttpApp(tls: { cert: string; key: string }, log: Logger, isReady: () => boolean) {
  const app = Fastify({
    https: { cert: tls.cert, key: tls.key },
    loggerInstance: log,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 16 * 1024,
  });
  app.addHook('onSend', async (_req, reply) => {
    reply.header('strict-transport-security', 'max-age=31536000');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
  });
  app.get('/healthz', async (_req, reply) => {
    if (!isReady()) return reply.code(503).send({ status: 'starting' });
    return { status: 'ok' };
  });
  app.get('/', async (_req, reply) => {
    reply.type('text/html; charset=utf-8');
    return LANDING_PAGE;
  });
  return app;
}

const LANDING_PAGE = `<!doctype html><meta charset="utf-8"><title>Conclave</title>
<body style="font-family:system-ui;max-width:40em;margin:4em auto;padding:0 1em">
<h1>Conclave</h1><p>This Conclave server is running.</p>
<p>Connect with the terminal client: <code>conclave chat https://ADDRESS:PORT</code>
(the address and certificate fingerprint are printed where the server was started).</p></body>`;

/** The HTTPS application type. */
export type HttpApp = ReturnType<typeof createHttpApp>;
