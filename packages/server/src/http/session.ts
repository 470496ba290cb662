import type { IncomingMessage } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import { SESSION_COOKIE, SESSION_PATH } from '@conclave/protocol';
import type { AccountService } from '../accounts/service.js';
import { ServiceError } from '../errors.js';

/**
 * The web client's session cookie (see `SESSION_PATH`): `POST` with
 * `Authorization: Bearer <token>` checks the token and sets it as an
 * HttpOnly, Secure, SameSite=Strict cookie expiring with the session (204;
 * 401 `{code, message}` for a bad token; 403 from another origin); `DELETE`
 * clears it (204). The token never appears in a log line. Needs @fastify/cookie
 * registered on the parent app.
 */
export const sessionRoutes: FastifyPluginAsync<{ accounts: AccountService }> = async (app, { accounts }) => {
  app.post(SESSION_PATH, async (req, reply) => {
    if (!sameOrigin(req.raw)) return reply.code(403).send({ code: 'CONCLAVE_ERR_FORBIDDEN', message: 'Cross-origin request refused.' });
    const match = /^Bearer ([A-Za-z0-9_-]{16,128})$/.exec(req.headers.authorization ?? '');
    if (match === null) return reply.code(401).send({ code: 'CONCLAVE_ERR_SESSION_INVALID', message: 'No session token.' });
    const token = match[1]!;
    let expiresAt: number;
    try {
      ({ expiresAt } = await accounts.authenticate(token, req.ip));
    } catch (err) {
      if (!(err instanceof ServiceError)) throw err;
      return reply.code(err.code === 'CONCLAVE_ERR_LOGIN_THROTTLED' ? 429 : 401).send({ code: err.code, message: err.message });
    }
    const maxAge = Math.max(0, Math.floor((expiresAt - Date.now()) / 1000));
    reply.setCookie(SESSION_COOKIE, token, cookieOptions(maxAge));
    return reply.code(204).send();
  });
  app.delete(SESSION_PATH, async (req, reply) => {
    if (!sameOrigin(req.raw)) return reply.code(403).send({ code: 'CONCLAVE_ERR_FORBIDDEN', message: 'Cross-origin request refused.' });
    reply.setCookie(SESSION_COOKIE, '', cookieOptions(0));
    return reply.code(204).send();
  });
};

/**
 * The session token of a WebSocket upgrade request's cookie, or undefined.
 * Only taken when the request comes from a page of this origin (its `Origin`
 * names the `Host` it was sent to): another site's page cannot ride the cookie.
 * `parseCookie` is the HTTP app's (`app.parseCookie`, from @fastify/cookie).
 */
export function sessionCookieToken(req: IncomingMessage, parseCookie: (header: string) => Record<string, string | undefined>): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined || !sameOrigin(req)) return undefined;
  const token = parseCookie(header)[SESSION_COOKIE];
  return token === undefined || token === '' ? undefined : token;
}

function cookieOptions(maxAgeSeconds: number) {
  return { path: '/', httpOnly: true, secure: true, sameSite: 'strict', maxAge: maxAgeSeconds } as const;
}

/** True when the request's `Origin` header is `https://<its Host header>`. */
export function sameOrigin(req: IncomingMessage): boolean {
  const { origin, host } = req.headers;
  return origin !== undefined && host !== undefined && origin === `https://${host}`;
}
