import { BLOB_PATH, ERRORS, type BlobId, type ErrorCode } from '@conclave/protocol';
import { ConclaveError, type BlobTransport } from '@conclave/client';

/**
 * The browser's `BlobTransport`: same-origin requests to `BLOB_PATH/<id>`,
 * authenticated by the HttpOnly session cookie (the core's `token` is null on
 * the web and ignored here). The service worker leaves `/api/` alone.
 *
 * - Upload: `XMLHttpRequest` `PUT`, for its upload progress events. The
 *   ciphertext is collected into a `Blob` first: Chromium streams a `fetch`
 *   request body only over HTTP/2, and the server may speak HTTP/1.1. A Blob
 *   lets the browser set `Content-Length` itself and keep the bytes on disk
 *   when they are large.
 * - Download: `fetch` `GET` (`Range: bytes=<offset>-` when resuming), the
 *   body's reader handed out as an async iterable of chunks.
 *
 * Errors (all `ConclaveError`): the server's `{code, message}` on a 4xx/5xx;
 * `CONCLAVE_ERR_FILE_TRANSFER` on a network failure or a reply it cannot
 * use; `CONCLAVE_ERR_CANCELLED` once `signal` aborted.
 */
export const browserBlobs: BlobTransport = {
  async upload({ blobId, size, chunks, onProgress, signal }) {
    const parts: BlobPart[] = [];
    for await (const chunk of chunks()) {
      if (isAborted(signal)) throw cancelled();
      parts.push(chunk as Uint8Array<ArrayBuffer>);
    }
    const body = new Blob(parts, { type: 'application/octet-stream' });
    // The core's promise: the chunks add up to `size` (the server checks Content-Length against the digest anyway).
    if (body.size !== size) throw new ConclaveError('CONCLAVE_ERR_FILE_TRANSFER', `The encrypted file came out at ${body.size} bytes, not ${size}.`);
    await put(blobUrl(blobId), body, onProgress, signal);
  },

  async download({ blobId, offset, signal }) {
    if (isAborted(signal)) throw cancelled();
    let response: Response;
    try {
      response = await fetch(blobUrl(blobId), {
        credentials: 'same-origin',
        cache: 'no-store',
        headers: offset > 0 ? { Range: `bytes=${offset}-` } : {},
        ...(signal !== undefined && { signal }),
      });
    } catch (err) {
      throw isAborted(signal) ? cancelled() : transferFailed(err);
    }
    if (!response.ok) throw serverError(response.status, await response.text().catch(() => ''));
    // A server that ignored the range would send the blob from its start: the core would misplace every byte.
    if (offset > 0 && response.status !== 206) throw new ConclaveError('CONCLAVE_ERR_FILE_TRANSFER', 'The server could not resume the download; try again.');
    if (response.body === null) throw transferFailed(undefined);
    return bodyChunks(response.body.getReader(), signal);
  },
};

/** `BLOB_PATH/<id>` on this origin. */
function blobUrl(blobId: BlobId): string {
  return `${BLOB_PATH}/${blobId}`;
}

/** One `PUT` of `body`, resolved on a 2xx; `onProgress` gets the bytes sent so far. */
function put(url: string, body: Blob, onProgress: ((sentBytes: number) => void) | undefined, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (isAborted(signal)) {
      reject(cancelled());
      return;
    }
    const xhr = new XMLHttpRequest();
    const abort = (): void => xhr.abort();
    const done = (): void => signal?.removeEventListener('abort', abort);
    xhr.open('PUT', url);
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.upload.onprogress = (event) => onProgress?.(event.loaded);
    xhr.onload = () => {
      done();
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress?.(body.size);
        resolve();
      } else {
        reject(serverError(xhr.status, xhr.responseText));
      }
    };
    xhr.onerror = () => {
      done();
      reject(transferFailed(undefined));
    };
    xhr.onabort = () => {
      done();
      reject(cancelled());
    };
    signal?.addEventListener('abort', abort, { once: true });
    xhr.send(body);
  });
}

/** The body's chunks in order; a consumer that stops early cancels the rest of the response. */
async function* bodyChunks(reader: ReadableStreamDefaultReader<Uint8Array>, signal: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
  let finished = false;
  try {
    for (;;) {
      let step: ReadableStreamReadResult<Uint8Array>;
      try {
        step = await reader.read();
      } catch (err) {
        throw isAborted(signal) ? cancelled() : transferFailed(err);
      }
      if (step.done) {
        finished = true;
        return;
      }
      yield step.value;
    }
  } finally {
    if (!finished) void reader.cancel().catch(() => undefined);
  }
}

/**
 * The error of a refusal: the server's JSON `{code, message}` when it is one
 * of the protocol's codes, else a transfer failure naming the status.
 */
function serverError(status: number, body: string): ConclaveError {
  let parsed: { code?: unknown; message?: unknown } = {};
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    // not JSON (a proxy's error page): the status says enough
  }
  const code = typeof parsed.code === 'string' && parsed.code in ERRORS ? (parsed.code as ErrorCode) : null;
  if (code !== null) return new ConclaveError(code, typeof parsed.message === 'string' ? parsed.message : undefined);
  if (status === 401) return new ConclaveError('CONCLAVE_ERR_SESSION_INVALID');
  return new ConclaveError('CONCLAVE_ERR_FILE_TRANSFER', `The file transfer failed (HTTP ${status}); try again.`);
}

/** Whether `signal` has aborted (a function: TypeScript would keep an earlier check's narrowing across an await). */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function transferFailed(cause: unknown): ConclaveError {
  return new ConclaveError('CONCLAVE_ERR_FILE_TRANSFER', undefined, { cause });
}

function cancelled(): ConclaveError {
  return new ConclaveError('CONCLAVE_ERR_CANCELLED');
}
