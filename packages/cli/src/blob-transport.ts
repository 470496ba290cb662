import type { IncomingMessage } from 'node:http';
import { request } from 'node:https';
import { connect, type TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import { BLOB_PATH, ERRORS, WS_PATH, type BlobId, type ErrorCode } from '@conclave/protocol';
import type { BlobTransport } from '@conclave/client';
import { ConclaveError, isConclaveError } from '@conclave/client/errors';
import { pinMismatch, type Trust } from './tls/trust.js';
import type { ServerAddress } from './url.js';

/** Time to connect and finish the TLS handshake, ms. */
const CONNECT_TIMEOUT_MS = 10_000;
/** Longest silence on an open transfer (the server fsyncs a whole blob before it answers), ms. */
const IDLE_TIMEOUT_MS = 60_000;
/** How long a failed write waits for the server's reply that may explain it, ms. */
const EARLY_REPLY_GRACE_MS = 200;
/** Most bytes of an error reply read (its JSON `{code, message}`). */
const MAX_ERROR_BODY = 16 * 1024;

/**
 * The terminal client's `BlobTransport`: `PUT`/`GET <origin>/api/blobs/<id>`
 * over `node:https` with `Authorization: Bearer <token>`, trusting the server
 * exactly as the WebSocket does (`nodeSocketFactory`): CA verification, or
 * the pinned certificate checked after the handshake and before a byte of
 * the request — the token included — is written. The blob path sits beside
 * the WebSocket's: `wss://host:port/prefix/ws` → `https://host:port/prefix/api/blobs`.
 *
 * Errors (`ConclaveError`): the server's `code`/`message` from a JSON error
 * reply; `CONCLAVE_ERR_UNTRUSTED_SERVER` (fatal) for a changed certificate;
 * `CONCLAVE_ERR_FILE_TRANSFER` for a network failure, a timeout or an
 * unexpected reply; `CONCLAVE_ERR_CANCELLED` once `signal` aborts.
 */
export function httpsBlobTransport(addr: ServerAddress, trust: Trust): BlobTransport {
  const base = blobBasePath(addr);
  const open = (method: 'PUT' | 'GET', blobId: BlobId, headers: Record<string, string | number>, token: string | null, signal?: AbortSignal) =>
    openRequest({ addr, trust, method, path: `${base}/${blobId}`, headers: { ...headers, ...(token !== null && { Authorization: `Bearer ${token}` }) }, ...(signal !== undefined && { signal }) });
  return {
    async upload({ blobId, size, chunks, token, onProgress, signal }) {
      const exchange = await open('PUT', blobId, { 'Content-Type': 'application/octet-stream', 'Content-Length': size }, token, signal);
      try {
        await exchange.send(chunks(), onProgress);
        const res = await exchange.response;
        if (res.statusCode !== 200 && res.statusCode !== 201) throw await refusal(res);
        res.resume();
      } finally {
        exchange.done();
      }
    },

    async download({ blobId, offset, token, signal }) {
      const exchange = await open('GET', blobId, offset > 0 ? { Range: `bytes=${offset}-` } : {}, token, signal);
      exchange.request.end();
      let res: IncomingMessage;
      try {
        res = await exchange.response;
        if (res.statusCode !== 200 && res.statusCode !== 206) throw await refusal(res);
      } catch (err) {
        exchange.done();
        throw err;
      }
      // A server that ignores Range answers 200 with the whole blob: skip what the caller has.
      return body(res, res.statusCode === 200 ? offset : 0, exchange);
    },
  };
}

/** The path blobs live under on this server (`BLOB_PATH` after the WebSocket's path prefix, if any). */
export function blobBasePath(addr: ServerAddress): string {
  const wsPath = new URL(addr.wsUrl).pathname;
  const prefix = wsPath.endsWith(WS_PATH) ? wsPath.slice(0, -WS_PATH.length) : '';
  return `${prefix}${BLOB_PATH}`;
}

/** One HTTP exchange on a trusted connection. */
interface Exchange {
  request: ReturnType<typeof request>;
  /** The response head (rejects with a mapped error). */
  response: Promise<IncomingMessage>;
  /** Writes `chunks` as the body with backpressure, then ends it; `onProgress` gets the bytes flushed so far. */
  send(chunks: AsyncIterable<Uint8Array>, onProgress?: (sent: number) => void): Promise<void>;
  /** Why the exchange was ended from this side (cancelled, stalled), if it was. */
  failure(): ConclaveError | null;
  /** Stops listening to `signal`; closes the connection if still open. */
  done(): void;
}

/**
 * Connects, checks trust, then starts `method path` (headers written, body
 * not yet). Aborting `signal` destroys the connection with `CONCLAVE_ERR_CANCELLED`.
 * @throws ConclaveError as `httpsBlobTransport` describes
 */
async function openRequest(params: {
  addr: ServerAddress;
  trust: Trust;
  method: 'PUT' | 'GET';
  path: string;
  headers: Record<string, string | number>;
  signal?: AbortSignal;
}): Promise<Exchange> {
  const { addr, signal } = params;
  if (signal?.aborted === true) throw cancelled();
  const socket = await trustedSocket(addr, params.trust, signal);
  const req = request({
    method: params.method,
    host: addr.host,
    port: addr.port,
    path: params.path,
    headers: params.headers,
    // The socket is already connected and verified: the request goes on it and nowhere else.
    createConnection: () => socket,
  });
  let failure: ConclaveError | null = null;
  const fail = (err: ConclaveError): void => {
    failure ??= err;
    req.destroy(failure);
  };
  const onAbort = (): void => fail(cancelled());
  signal?.addEventListener('abort', onAbort, { once: true });
  socket.setTimeout(IDLE_TIMEOUT_MS, () => fail(new ConclaveError('CONCLAVE_ERR_FILE_TRANSFER', 'The file transfer stalled; try again.')));
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    // `on`, not `once`: a write may fail again after the first error (EPIPE after an early refusal).
    req.on('error', (err) => {
      if (failure !== null) return reject(failure);
      // A refusal (413) closes the connection while the body is still going: its reply, if it came, wins.
      setTimeout(() => reject(transferError(err)), EARLY_REPLY_GRACE_MS);
    });
  });
  // Read by `send` and the callers; never left unhandled when a write fails first.
  response.catch(() => undefined);
  return {
    request: req,
    response,
    async send(chunks, onProgress) {
      let sent = 0;
      let answered = false;
      void response.then(
        () => (answered = true),
        () => (answered = true),
      );
      for await (const chunk of chunks) {
        // The server answered early (a refusal before the whole body): stop writing and read why.
        if (answered || req.destroyed) break;
        const flushed = req.write(chunk, () => {
          sent += chunk.byteLength;
          onProgress?.(sent);
        });
        if (!flushed) await Promise.race([new Promise((resolve) => req.once('drain', resolve)), response.then(() => undefined)]);
      }
      if (!answered && !req.destroyed) req.end();
      if (failure !== null) throw failure;
    },
    failure: () => failure,
    done() {
      signal?.removeEventListener('abort', onAbort);
      if (!socket.destroyed) socket.destroy();
    },
  };
}

/**
 * A TLS connection to `addr` that `trust` accepts: CA-verified for the host
 * name, or presenting the pinned certificate (checked here, before the
 * caller writes anything).
 * @throws ConclaveError UNTRUSTED_SERVER / FILE_TRANSFER / CANCELLED
 */
function trustedSocket(addr: ServerAddress, trust: Trust, signal?: AbortSignal): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: addr.host,
      port: addr.port,
      ...(isIP(addr.host) === 0 && { servername: addr.host }),
      rejectUnauthorized: trust.mode === 'ca',
      ALPNProtocols: ['http/1.1'],
    });
    const settle = (err: ConclaveError | null): void => {
      socket.setTimeout(0);
      signal?.removeEventListener('abort', onAbort);
      socket.removeListener('error', onError);
      if (err === null) return resolve(socket);
      socket.destroy();
      reject(err);
    };
    const onAbort = (): void => settle(cancelled());
    const onError = (err: Error): void => settle(transferError(err));
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('error', onError);
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => settle(new ConclaveError('CONCLAVE_ERR_FILE_TRANSFER', 'The server did not answer in time; try again.')));
    socket.once('secureConnect', () => settle(pinMismatch(trust, socket)));
  });
}

/**
 * The response body as an async iterable, without its first `skip` bytes;
 * a broken connection surfaces as `CONCLAVE_ERR_FILE_TRANSFER` (or the
 * exchange's own failure: cancelled, stalled). The connection closes when
 * the body ends or the consumer stops.
 */
async function* body(res: IncomingMessage, skip: number, exchange: Exchange): AsyncGenerator<Uint8Array> {
  let toSkip = skip;
  try {
    for await (const data of res as AsyncIterable<Buffer>) {
      let chunk = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      if (toSkip > 0) {
        const dropped = Math.min(toSkip, chunk.byteLength);
        toSkip -= dropped;
        chunk = chunk.subarray(dropped);
        if (chunk.byteLength === 0) continue;
      }
      yield chunk;
    }
  } catch (err) {
    throw exchange.failure() ?? transferError(err);
  } finally {
    exchange.done();
  }
}

/** The server's refusal as a `ConclaveError` (its JSON `{code, message}`), else a transfer error naming the status. */
async function refusal(res: IncomingMessage): Promise<ConclaveError> {
  let text = '';
  try {
    for await (const data of res as AsyncIterable<Buffer>) {
      text += data.toString('utf8');
      if (text.length > MAX_ERROR_BODY) break;
    }
  } catch {
    // The status alone still says what happened.
  }
  const reply = parseJson(text);
  const code = typeof reply?.code === 'string' && reply.code in ERRORS ? (reply.code as ErrorCode) : null;
  if (code !== null) return new ConclaveError(code, typeof reply?.message === 'string' ? reply.message : undefined);
  return new ConclaveError('CONCLAVE_ERR_FILE_TRANSFER', `The server refused the file transfer (HTTP ${res.statusCode ?? '?'}).`);
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function cancelled(): ConclaveError {
  return new ConclaveError('CONCLAVE_ERR_CANCELLED');
}

/** A socket or protocol failure as `CONCLAVE_ERR_FILE_TRANSFER` (the cause kept for logs, never shown). */
function transferError(err: unknown): ConclaveError {
  if (isConclaveError(err)) return err;
  return new ConclaveError('CONCLAVE_ERR_FILE_TRANSFER', undefined, { cause: err });
}
