/**
 * The globals the platform-neutral client core may use — and nothing else.
 *
 * `packages/client/tsconfig.json` compiles `packages/client/src` (and the
 * `@conclave/protocol` source it imports) with `lib: ["ES2023"]` and
 * `types: []`: no DOM, no Node. Every global the core touches must be
 * declared here, narrowed to the calls the core really makes. Sockets,
 * storage, files and the UI are injected by `packages/cli` and
 * `packages/web` (ARCHITECTURE.md: "UI packages … the core"), so a new entry
 * here is a design decision: add it with the reason it is safe on every
 * runtime the core targets (browsers, Node ≥ 20).
 *
 * This file lives outside `src/` on purpose: the root tsconfig compiles the
 * client with `@types/node`, whose declarations of the same names would clash.
 */
export {};

declare global {
  /** Opaque handle of a platform timer (a number in browsers, a `Timeout` in Node). */
  interface PlatformTimerHandle {
    readonly __platformTimerHandle: never;
  }

  /**
   * Allowed: timers exist in every runtime; `Clock` (connection/clock.ts)
   * wraps them so tests can drive time. Also used to rethrow a listener's
   * error outside the emitter (events.ts) and for the probe's timeout.
   */
  function setTimeout(fn: () => void, ms?: number): PlatformTimerHandle;
  /** Allowed with `setTimeout`. */
  function clearTimeout(handle: PlatformTimerHandle | undefined): void;

  /** Allowed: UTF-8 encoding (WHATWG Encoding), identical in browsers and Node. */
  class TextEncoder {
    encode(input?: string): Uint8Array<ArrayBuffer>;
  }

  /** Allowed: UTF-8 decoding; `fatal: true` where bad bytes must be an error (identity.ts). */
  class TextDecoder {
    constructor(label?: 'utf-8', options?: { fatal?: boolean });
    decode(input?: Uint8Array | ArrayBuffer): string;
  }

  /** Allowed: base64 (body.ts) without Node's `Buffer`; in browsers and Node ≥ 16. */
  function btoa(data: string): string;
  /** Allowed with `btoa`. */
  function atob(data: string): string;

  /**
   * Allowed: WebCrypto, the same object in browsers (`window.crypto`) and
   * Node ≥ 19 (`globalThis.crypto`). The core needs randomness for ids and
   * nonces, and AES-GCM for sealing local records (store/sealing.ts). MLS
   * itself runs in ts-mls / noble, which bring their own primitives.
   */
  var crypto: PlatformCrypto;

  interface PlatformCrypto {
    /** Cryptographically secure random bytes (fills and returns `array`, ≤ 65 536 bytes). */
    getRandomValues<T extends Uint8Array>(array: T): T;
    readonly subtle: PlatformSubtleCrypto;
  }

  /** A WebCrypto key object; the core only passes it back to `subtle`. */
  interface PlatformCryptoKey {
    readonly __platformCryptoKey: never;
  }

  /** AES-GCM parameters (NIST SP 800-38D): 12-byte `iv`, optional associated data. */
  interface PlatformAesGcmParams {
    name: 'AES-GCM';
    iv: Uint8Array;
    additionalData?: Uint8Array;
  }

  /** The slice of `SubtleCrypto` the core uses: sealing local records with AES-256-GCM. */
  interface PlatformSubtleCrypto {
    /** Only non-extractable AES-GCM keys: a key the core makes can never be read back out. */
    generateKey(
      algorithm: { name: 'AES-GCM'; length: 256 },
      extractable: false,
      usages: ReadonlyArray<'encrypt' | 'decrypt'>,
    ): Promise<PlatformCryptoKey>;
    encrypt(algorithm: PlatformAesGcmParams, key: PlatformCryptoKey, data: Uint8Array): Promise<ArrayBuffer>;
    decrypt(algorithm: PlatformAesGcmParams, key: PlatformCryptoKey, data: Uint8Array): Promise<ArrayBuffer>;
    /**
     * Only raw AES-GCM keys, not extractable: a file's key (files/file-crypto.ts)
     * arrives in a `file` content and is imported for that file alone.
     */
    importKey(
      format: 'raw',
      keyData: Uint8Array,
      algorithm: { name: 'AES-GCM' },
      extractable: false,
      usages: ReadonlyArray<'encrypt' | 'decrypt'>,
    ): Promise<PlatformCryptoKey>;
  }

  /**
   * Allowed: cancellation of a file transfer (files/). The UI makes the
   * `AbortController`; the core only reads the signal and passes it to the
   * injected `BlobTransport`. Same shape in browsers and Node ≥ 16.
   */
  interface AbortSignal {
    readonly aborted: boolean;
    addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
    removeEventListener(type: 'abort', listener: () => void): void;
  }

  /** Allowed with `AbortSignal`: the chat model cancels the uploads it started (session/file-sends.ts). */
  class AbortController {
    readonly signal: AbortSignal;
    abort(): void;
  }

  /**
   * NOT meant to stay: `session/cookie.ts` calls `fetch` for the web client's
   * session cookie. That is network I/O in the core, which the UI should
   * inject (or which belongs in packages/web). Declared narrowly so the
   * boundary check passes meanwhile; remove with that move.
   */
  function fetch(
    url: string,
    init?: { method?: 'POST' | 'DELETE'; headers?: Record<string, string>; credentials?: 'same-origin' },
  ): Promise<Response>;

  /** The slice of a `fetch` response that `session/cookie.ts` reads (see `fetch` above). */
  interface Response {
    readonly ok: boolean;
    readonly status: number;
  }
}
