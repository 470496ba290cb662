import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

/** Hashed build assets never change under their name: cache them for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Serves the built web client from `webRoot` at `/`: `index.html`, the hashed
 * `assets/` (cached for a year), the service worker and manifest (always
 * revalidated, so an update reaches installed apps). Without a built client
 * (`index.html` missing), `/` is a short page saying how to build it.
 */
export const webClient: FastifyPluginAsync<{ webRoot: string | undefined }> = async (app, { webRoot }) => {
  if (webRoot === undefined || !existsSync(join(webRoot, 'index.html'))) {
    app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(NOT_BUILT_PAGE));
    return;
  }
  await app.register(fastifyStatic, {
    root: webRoot,
    index: ['index.html'],
    wildcard: true,
    dotfiles: 'deny',
    cacheControl: false,
    setHeaders(res, path) {
      res.setHeader('cache-control', path.includes(`${join('/', 'assets', '/')}`) ? IMMUTABLE : 'no-cache');
      if (path.endsWith('.webmanifest')) res.setHeader('content-type', 'application/manifest+json');
      if (path.endsWith('sw.js')) res.setHeader('service-worker-allowed', '/');
    },
  });
};

const NOT_BUILT_PAGE = `<!doctype html><meta charset="utf-8"><title>Conclave</title>
<h1>Conclave</h1><p>This Conclave server is running, but its web client is not built.</p>
<p>Run <code>npm install</code> (or <code>npm run build -w @conclave/web</code>) in the Conclave folder and restart the server.
The terminal client works meanwhile: <code>conclave chat https://ADDRESS:PORT</code>.</p>`;
