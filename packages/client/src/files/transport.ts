import type { BlobId } from '@conclave/protocol';

/**
 * How the client core moves blobs over HTTPS (`BLOB_PATH` of the protocol):
 * the platform injects it (the terminal client: `node:https` with the pinned
 * certificate; the web client: `XMLHttpRequest`/`fetch` with the session
 * cookie). The core encrypts and decrypts; a transport only moves opaque bytes.
 *
 * Errors: a refusal by the server is a `ConclaveError` with the server's code
 * (`CONCLAVE_ERR_FILE_TOO_LARGE`, `CONCLAVE_ERR_QUOTA_EXCEEDED`,
 * `CONCLAVE_ERR_NOT_MEMBER`, `CONCLAVE_ERR_BLOB_NOT_FOUND`,
 * `CONCLAVE_ERR_SESSION_INVALID`…); a network failure is
 * `CONCLAVE_ERR_FILE_TRANSFER`; an abort through `signal` is `CONCLAVE_ERR_CANCELLED`.
 */
export interface BlobTransport {
  /**
   * `PUT BLOB_PATH/<blobId>` with `Content-Length: size`. Resolves once the
   * server acknowledged the blob (stored durably).
   * @param input.chunks the ciphertext, produced afresh on each call (a
   *   transport may iterate it once, streaming, or collect it first)
   * @param input.token the session token (`Authorization: Bearer`), or null
   *   where the session cookie authenticates (web)
   * @param input.onProgress bytes of ciphertext sent so far
   */
  upload(input: {
    blobId: BlobId;
    size: number;
    chunks: () => AsyncIterable<Uint8Array>;
    token: string | null;
    onProgress?: (sentBytes: number) => void;
    signal?: AbortSignal;
  }): Promise<void>;

  /**
   * `GET BLOB_PATH/<blobId>`, from byte `offset` (`Range: bytes=offset-`) when
   * above 0. Resolves with the body as it streams.
   * @param input.token as for `upload`
   */
  download(input: { blobId: BlobId; offset: number; token: string | null; signal?: AbortSignal }): Promise<AsyncIterable<Uint8Array>>;
}
