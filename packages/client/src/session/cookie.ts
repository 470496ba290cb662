import { SESSION_PATH } from '@conclave/protocol';
import { ConclaveError } from '../errors.js';

/**
 * Hands the session token to the server at `SESSION_PATH`, which sets it as
 * an HttpOnly, Secure, SameSite=Strict cookie: from then on a browser page
 * keeps no copy of the token, and `authenticate` without a token resumes the
 * session over a same-origin WebSocket. For web clients (uses `fetch`).
 * @param origin the server's `https://host:port` (the page's origin).
 * @throws ConclaveError `CONCLAVE_ERR_SESSION_INVALID` (token refused: 401/403),
 *   `CONCLAVE_ERR_CONNECT_FAILED` (no answer, or another status such as 503 while starting).
 */
export async function keepSessionCookie(origin: string, token: string): Promise<void> {
  let res: Response;
  try {
    res = await fetch(`${origin}${SESSION_PATH}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      credentials: 'same-origin',
    });
  } catch (err) {
    throw new ConclaveError('CONCLAVE_ERR_CONNECT_FAILED', undefined, { cause: err });
  }
  if (res.status === 401 || res.status === 403) throw new ConclaveError('CONCLAVE_ERR_SESSION_INVALID');
  if (!res.ok) throw new ConclaveError('CONCLAVE_ERR_CONNECT_FAILED', `The server answered ${res.status}.`);
}

/**
 * Asks the server to clear the session cookie (after `logout`, which already
 * revoked the session). Never throws: a cookie of a revoked session is harmless.
 */
export async function dropSessionCookie(origin: string): Promise<void> {
  try {
    await fetch(`${origin}${SESSION_PATH}`, { method: 'DELETE', credentials: 'same-origin' });
  } catch {
    // offline: the revoked cookie stays until it expires, and is refused meanwhile
  }
}
