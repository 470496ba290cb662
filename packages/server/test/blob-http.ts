/**
 * HTTPS requests to the blob routes (`BLOB_PATH`) of a test server, with
 * `node:https` so a reply that comes before the whole body was sent (a
 * refusal that closes the connection) is still read.
 */
import { createHash, randomBytes } from 'node:crypto';
import https from 'node:https';
import { BLOB_PATH } from '@conclave/protocol';

/** A reply: status, headers, body bytes, and the body as JSON when it is JSON. */
export interface BlobReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json: { code?: string; message?: string; id?: string; size?: number } | undefined;
}

/** `n` random bytes and their blob id (SHA-256, lowercase hex). */
export function randomBlob(n: number): { id: string; bytes: Buffer } {
  const bytes = randomBytes(n);
  return { id: createHash('sha256').update(bytes).digest('hex'), bytes };
}

/**
 * `method` on `BLOB_PATH/<id>` of `server`. `token` goes as a Bearer
 * Authorization; `headers` as given (cookie, origin, range…). A body is sent
 * with its Content-Length unless `chunked`.
 */
export function blobRequest(
  server: { url: string },
  method: 'GET' | 'PUT',
  id: string,
  options: { token?: string; headers?: Record<string, string>; body?: Buffer; chunked?: boolean } = {},
): Promise<BlobReply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) {
    headers['content-type'] ??= 'application/octet-stream';
    if (options.chunked) headers['transfer-encoding'] = 'chunked';
    else headers['content-length'] = String(options.body.byteLength);
  }
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = https.request(`${server.url}${BLOB_PATH}/${id}`, { method, headers, rejectUnauthorized: false, agent: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        let json: BlobReply['json'];
        if (String(res.headers['content-type'] ?? '').startsWith('application/json')) json = JSON.parse(body.toString()) as BlobReply['json'];
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
      });
    });
    // A refusal closes the connection while the body is still going: EPIPE/ECONNRESET after the reply is fine.
    req.on('error', (err) => {
      if (!answered) setTimeout(() => !answered && reject(err), 200);
    });
    if (options.body !== undefined) req.end(options.body);
    else req.end();
  });
}
