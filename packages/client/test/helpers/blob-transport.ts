import { request } from 'node:https';
import { BLOB_PATH } from '@conclave/protocol';
import { ConclaveError, type BlobTransport } from '../../src/index.js';

/**
 * A `BlobTransport` over `node:https` for tests (the server's self-signed
 * certificate accepted without pinning: tests only; the terminal client pins it).
 * `stats` counts requests, and the `Range` offsets downloads asked for.
 */
export function testBlobTransport(origin: string): BlobTransport & { ranges: number[] } {
  const ranges: number[] = [];
  return {
    ranges,
    upload: ({ blobId, size, chunks, token, onProgress, signal }) =>
      new Promise<void>((resolve, reject) => {
        const req = request(`${origin}${BLOB_PATH}/${blobId}`, {
          method: 'PUT',
          rejectUnauthorized: false,
          headers: { 'content-length': String(size), 'content-type': 'application/octet-stream', ...(token !== null && { authorization: `Bearer ${token}` }) },
          ...(signal !== undefined && { signal }),
        });
        req.on('error', (err) => reject(signal?.aborted === true ? new ConclaveError('CONCLAVE_ERR_CANCELLED') : new ConclaveError('CONCLAVE_ERR_FILE_TRANSFER', undefined, { cause: err })));
        req.on('response', (res) => {
          const body: Buffer[] = [];
          res.on('data', (d: Buffer) => body.push(d));
          res.on('end', () => (res.statusCode! < 300 ? resolve() : reject(refusal(Buffer.concat(body)))));
        });
        void (async () => {
          let sent = 0;
          for await (const chunk of chunks()) {
            if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
            sent += chunk.byteLength;
            onProgress?.(sent);
          }
          req.end();
        })().catch((err: unknown) => req.destroy(err as Error));
      }),
    download: ({ blobId, offset, token, signal }) =>
      new Promise((resolve, reject) => {
        ranges.push(offset);
        const req = request(`${origin}${BLOB_PATH}/${blobId}`, {
          rejectUnauthorized: false,
          headers: { ...(offset > 0 && { range: `bytes=${offset}-` }), ...(token !== null && { authorization: `Bearer ${token}` }) },
          ...(signal !== undefined && { signal }),
        });
        req.on('error', (err) => reject(new ConclaveError('CONCLAVE_ERR_FILE_TRANSFER', undefined, { cause: err })));
        req.on('response', (res) => {
          if (res.statusCode! >= 300) {
            const body: Buffer[] = [];
            res.on('data', (d: Buffer) => body.push(d));
            res.on('end', () => reject(refusal(Buffer.concat(body))));
            return;
          }
          resolve(
            (async function* () {
              try {
                for await (const piece of res) yield new Uint8Array(piece as Buffer);
              } catch (err) {
                throw new ConclaveError('CONCLAVE_ERR_FILE_TRANSFER', undefined, { cause: err });
              }
            })(),
          );
        });
        req.end();
      }),
  };
}

function refusal(body: Buffer): ConclaveError {
  try {
    const { code, message } = JSON.parse(body.toString()) as { code: ConstructorParameters<typeof ConclaveError>[0]; message: string };
    return new ConclaveError(code, message);
  } catch {
    return new ConclaveError('CONCLAVE_ERR_FILE_TRANSFER');
  }
}
