/**
 * Decrypted files as `blob:` URLs, shared by everything that shows one file
 * (the message, the lightbox, a second Download) and kept for a while after
 * the last of them let go, so scrolling back does not decrypt again.
 *
 * An entry is keyed by the blob's id (the SHA-256 of its ciphertext, which
 * the server knows anyway; never the file's key). Its URL stays valid while
 * anyone holds it (`acquire` … `release`); entries nobody holds are revoked,
 * oldest first, once they pass `IDLE_BYTES` together or `IDLE_ENTRIES`.
 * At most `PARALLEL` files decrypt at once; the rest wait their turn.
 */

/** Decrypts a file: its bytes as a `Blob`; `onProgress` gets plaintext bytes done of the total. */
export type FileFetcher = (signal: AbortSignal, onProgress: (done: number, total: number) => void) => Promise<Blob>;

/** A hold on one decrypted file. */
export interface FileHold {
  /** The `blob:` URL once decrypted. @throws ConclaveError as the fetcher threw (then the entry is gone: acquiring again retries) */
  url: Promise<string>;
  /** Lets go (cancels the decryption when nobody else waits for it). Idempotent. */
  release(): void;
}

/** Decrypted bytes kept while nobody shows them, at most. */
const IDLE_BYTES = 96 * 1024 * 1024;
/** Files kept while nobody shows them, at most. */
const IDLE_ENTRIES = 48;
/** Files decrypted at once, at most. */
const PARALLEL = 3;

interface Entry {
  id: string;
  holders: number;
  url: Promise<string>;
  /** Set once decrypted. */
  ready: { url: string; size: number } | null;
  abort: AbortController;
  listeners: Set<(done: number, total: number) => void>;
}

const entries = new Map<string, Entry>();
let running = 0;
const waiting: Array<() => void> = [];

/**
 * Holds the decrypted file `id`, starting `fetch` unless it is decrypted or
 * under way already. `onProgress` hears of the decryption while held.
 */
export function acquire(id: string, fetch: FileFetcher, onProgress?: (done: number, total: number) => void): FileHold {
  let entry = entries.get(id);
  if (entry === undefined) {
    entry = start(id, fetch);
    entries.set(id, entry);
  } else {
    // Most recently used last (the Map's order): eviction takes from the front.
    entries.delete(id);
    entries.set(id, entry);
  }
  const held = entry;
  held.holders++;
  if (onProgress !== undefined) held.listeners.add(onProgress);
  let released = false;
  return {
    url: held.url,
    release() {
      if (released) return;
      released = true;
      held.holders--;
      if (onProgress !== undefined) held.listeners.delete(onProgress);
      if (held.holders === 0 && held.ready === null) {
        held.abort.abort();
        if (entries.get(id) === held) entries.delete(id);
      }
      evict();
    },
  };
}

/** Revokes every URL (signing out: nothing decrypted outlives the session on screen). */
export function forgetAll(): void {
  for (const entry of entries.values()) {
    entry.abort.abort();
    if (entry.ready !== null) URL.revokeObjectURL(entry.ready.url);
  }
  entries.clear();
}

function start(id: string, fetch: FileFetcher): Entry {
  const entry: Entry = { id, holders: 0, url: Promise.resolve(''), ready: null, abort: new AbortController(), listeners: new Set() };
  entry.url = (async () => {
    await turn(entry.abort.signal);
    try {
      const blob = await fetch(entry.abort.signal, (done, total) => entry.listeners.forEach((l) => l(done, total)));
      const url = URL.createObjectURL(blob);
      entry.ready = { url, size: blob.size };
      if (entry.holders === 0 || entries.get(id) !== entry) evict();
      return url;
    } catch (err) {
      if (entries.get(id) === entry) entries.delete(id);
      throw err;
    } finally {
      running--;
      waiting.shift()?.();
    }
  })();
  // Holders see the failure through `url`; an entry released meanwhile has nobody to tell.
  entry.url.catch(() => undefined);
  return entry;
}

/** Waits for one of the `PARALLEL` slots (counted as running once it resolves). */
async function turn(signal: AbortSignal): Promise<void> {
  if (running >= PARALLEL) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  // Gave up while waiting: the slot is released by the caller's `finally` all the same.
  signal.throwIfAborted();
}

/** Revokes idle decrypted files, oldest first, beyond `IDLE_BYTES` / `IDLE_ENTRIES`. */
function evict(): void {
  const idle = [...entries.values()].filter((e) => e.holders === 0 && e.ready !== null);
  let bytes = idle.reduce((n, e) => n + (e.ready?.size ?? 0), 0);
  let count = idle.length;
  for (const entry of idle) {
    if (bytes <= IDLE_BYTES && count <= IDLE_ENTRIES) break;
    entries.delete(entry.id);
    if (entry.ready !== null) URL.revokeObjectURL(entry.ready.url);
    bytes -= entry.ready?.size ?? 0;
    count--;
  }
}
