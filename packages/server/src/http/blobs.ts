import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { BLOB_PATH, BlobIdSchema, SESSION_COOKIE, type BlobId, type ErrorCode, type UserInfo } from '@conclave/protocol';
import type { AccountService } from '../accounts/service.js';
import type { BlobService } from '../blobs/service.js';
import { ServiceError } from '../errors.js';
import { sameOrigin } from './session.js';

/** The HTTP status of each refusal the blob routes give; anything else is 500. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  CONCLAVE_ERR_BAD_FRAME: 400,
  CONCLAVE_ERR_BLOB_DIGEST_MISMATCH: 400,
  CONCLAVE_ERR_SESSION_INVALID: 401,
  CONCLAVE_ERR_FORBIDDEN: 403,
  CONCLAVE_ERR_NOT_MEMBER: 403,
  CONCLAVE_ERR_BLOB_NOT_FOUND: 404,
  CONCLAVE_ERR_FILE_TOO_LARGE: 413,
  CONCLAVE_ERR_QUOTA_EXCEEDED: 413,
};

/** A refusal with its HTTP status (`STATUS`) and the JSON `{code, message}` body of the session routes. */
function refuse(reply: FastifyReply, err: ServiceError, status = STATUS[err.code] ?? 500): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').type('application/json; charset=utf-8').send({ code: err.code, message: err.message });
}

/**
 * The session of a blob request: `Authorization: Bearer <token>`, or the
 * session cookie from a page of this origin — for a `PUT`, its `Origin` must
 * be this origin (as for `SESSION_PATH`); for a `GET` (an `<img>` or a link
 * carries no `Origin`), `Sec-Fetch-Site` must be absent or `same-origin`.
 * Like a WebSocket `authenticate`, a wrong token counts no login failure
 * (see `AccountService.authenticate`). The token is never logged.
 * @throws ServiceError SESSION_INVALID
 */
async function sessionUser(accounts: AccountService, req: FastifyRequest): Promise<UserInfo> {
  let token: string | undefined;
  const bearer = /^Bearer ([A-Za-z0-9_-]{16,128})$/.exec(req.headers.authorization ?? '');
  if (bearer !== null) token = bearer[1];
  else if (req.headers.authorization === undefined) {
    const site = req.headers['sec-fetch-site'];
    const fromThisOrigin = req.method === 'GET' ? site === undefined || site === 'same-origin' : sameOrigin(req.raw);
    const cookie = req.cookies[SESSION_COOKIE];
    if (fromThisOrigin && cookie !== undefined && cookie !== '') token = cookie;
  }
  if (token === undefined) throw new ServiceError('CONCLAVE_ERR_SESSION_INVALID', 'no session token', { message: 'Log in first: no session token.' });
  return (await accounts.authenticate(token, req.ip)).user;
}

/** The blob id of the path, checked against `BlobIdSchema`. @throws ServiceError BAD_FRAME */
function blobId(req: FastifyRequest<{ Params: { id: string } }>): BlobId {
  const parsed = BlobIdSchema.safeParse(req.params.id);
  if (!parsed.success) throw new ServiceError('CONCLAVE_ERR_BAD_FRAME', 'bad blob id', { message: 'A file id is 64 lowercase hex digits (the SHA-256 of its bytes).' });
  return parsed.data;
}

/**
 * The one range of `Range: bytes=N-`, `bytes=N-M` or `bytes=-N` over a blob
 * of `size` bytes (RFC 9110 §14.1.2): `null` for none, or one this server
 * ignores (several ranges, another unit, bad syntax: the whole blob is sent,
 * as §14.2 allows); `'unsatisfiable'` when it starts past the end.
 */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  const m = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (m === null || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    return suffix === 0 || size === 0 ? 'unsatisfiable' : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return null;
  return start >= size ? 'unsatisfiable' : { start, end };
}

/**
 * The blob routes (`BLOB_PATH`, see `packages/protocol/src/files.ts`):
 * `PUT /:id` streams the request body to the blob storage itself — the
 * app's 16 KiB body limit does not apply, the body is never buffered, and a
 * content-type parser of this plugin alone leaves it unread — after checking,
 * before reading a byte, the session, `Content-Length` (required: 411),
 * `max_file_mb` and `file_quota_mb` (413). A refusal before the body is read
 * closes the connection, so an unwanted body is not read to its end.
 * `GET /:id` streams the ciphertext, or one byte range of it (206, 416).
 * Errors are `{code, message}` with the status of `STATUS`. Tokens are
 * never logged; blob ids are.
 */
export const blobRoutes: FastifyPluginAsync<{ accounts: AccountService; blobs: BlobService }> = async (app, { accounts, blobs }) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));

  app.put<{ Params: { id: string } }>(`${BLOB_PATH}/:id`, async (req, reply) => {
    const early = (err: ServiceError, status?: number) => refuse(reply.header('connection', 'close'), err, status);
    let user: UserInfo;
    let id: BlobId;
    let length: number;
    try {
      user = await sessionUser(accounts, req);
      id = blobId(req);
      const header = req.headers['content-length'];
      if (header === undefined || req.headers['transfer-encoding'] !== undefined || !/^\d+$/.test(header)) {
        return early(new ServiceError('CONCLAVE_ERR_BAD_FRAME', 'no content-length', { message: 'Send the file with a Content-Length.' }), 411);
      }
      length = Number(header);
      const stored = await blobs.admit(user, id, length);
      // A retry of an upload that was stored: its body need not be read.
      if (stored !== undefined) return reply.code(200).header('connection', 'close').header('cache-control', 'no-store').send({ id, size: stored });
    } catch (err) {
      if (err instanceof ServiceError) return early(err);
      throw err;
    }
    try {
      const { size, created } = await blobs.upload(user, id, length, req.raw);
      if (created) req.log.info({ blob: id, size }, 'blob stored');
      return reply.code(created ? 201 : 200).header('cache-control', 'no-store').send({ id, size });
    } catch (err) {
      if (err instanceof ServiceError) return early(err);
      // The stream failed (the client went away, or the disk): nothing is stored, and the
      // request (with its socket) was destroyed by the failed pipe, so nobody is left to answer.
      if (!req.raw.destroyed) throw err;
      const code = (err as { code?: string }).code;
      if (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE') req.log.info({ blob: id }, 'upload aborted');
      else req.log.error({ err, blob: id }, 'upload failed');
      return reply.hijack();
    }
  });

  app.get<{ Params: { id: string } }>(`${BLOB_PATH}/:id`, async (req, reply) => {
    try {
      const user = await sessionUser(accounts, req);
      const id = blobId(req);
      const blob = await blobs.open(user, id);
      reply
        .header('cache-control', 'private, no-store')
        .header('accept-ranges', 'bytes')
        .header('etag', `"${id}"`)
        .header('content-disposition', 'attachment');
      const range = parseRange(req.headers.range, blob.size);
      if (range === 'unsatisfiable') {
        reply.header('content-range', `bytes */${blob.size}`);
        return refuse(reply, new ServiceError('CONCLAVE_ERR_BAD_FRAME', 'range not satisfiable', { message: 'That range is past the end of the file.' }), 416);
      }
      reply.type('application/octet-stream');
      if (blob.size === 0) return reply.code(200).send(Buffer.alloc(0));
      const { start, end } = range ?? { start: 0, end: blob.size - 1 };
      const body = await blob.read(start, end);
      reply.header('content-length', end - start + 1);
      if (range !== null) reply.code(206).header('content-range', `bytes ${start}-${end}/${blob.size}`);
      return reply.send(body);
    } catch (err) {
      if (err instanceof ServiceError) return refuse(reply, err);
      throw err;
    }
  });
};
