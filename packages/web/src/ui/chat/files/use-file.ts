import { useCallback, useEffect, useRef, useState } from 'react';
import { isConclaveError, toConclaveError, type FileView, type MessageItem } from '@conclave/client';
import { useMessageActions } from '../message-actions.js';
import { blobType } from './file-kinds.js';
import { acquire, type FileFetcher } from './file-urls.js';

/**
 * Where a decrypted file stands: not asked for yet, decrypting (`done` of
 * `total` plaintext bytes), shown from a `blob:` URL, or failed (`message`
 * fit to show; `corrupt`: the blob was altered, trying again cannot help).
 */
export type FileState =
  | { kind: 'idle' }
  | { kind: 'loading'; done: number; total: number }
  | { kind: 'ready'; url: string }
  | { kind: 'failed'; message: string; corrupt: boolean };

/** What `useDecryptedFile` gives its component. */
export interface DecryptedFile {
  state: FileState;
  /** Starts (or restarts, after a failure) the decryption; the file stays held until `drop` or unmount. */
  load: () => void;
  /** Lets go of the file (back to idle; the cache may keep it a while). */
  drop: () => void;
}

/** The words under a file that failed: "This file cannot be opened: …" (the core's own message says it so already). */
export function openError(message: string): string {
  return message.startsWith('This file cannot be opened') ? message : `This file cannot be opened: ${message}`;
}

/**
 * The decrypted file of a message, through the shared cache of `blob:` URLs
 * (`file-urls.ts`): decrypting starts when `wanted` becomes true (an image
 * scrolled into view) or on `load()` (a button), and the hold is let go on
 * `drop()` or unmount (cancelling a decryption nobody else waits for). The `Blob` gets
 * the image's own type when it is shown inline, else opaque bytes.
 */
export function useDecryptedFile(item: MessageItem, file: FileView, wanted: boolean): DecryptedFile {
  const { fetchFile } = useMessageActions();
  const [state, setState] = useState<FileState>({ kind: 'idle' });
  const [asked, setAsked] = useState(0);
  const key = item.key;
  // Absent while this user's own file is still being sent: nothing to fetch yet.
  const id = file.attachment?.blob ?? null;
  const type = blobType(file);
  const fetcher = useRef<FileFetcher | null>(null);
  fetcher.current = async (signal, onProgress) => {
    const parts: BlobPart[] = [];
    // The core may reuse its buffer after `write` returns: each part is copied.
    await fetchFile(key, (bytes) => void parts.push(bytes.slice()), {
      signal,
      // Reported in ciphertext bytes: shown as the same share of the file's own size.
      onProgress: (p) => onProgress(p.totalBytes > 0 ? Math.round((p.doneBytes / p.totalBytes) * file.size) : 0, file.size),
    });
    return new Blob(parts, { type });
  };

  const load = useCallback(() => setAsked((n) => n + 1), []);
  const drop = useCallback(() => setAsked(0), []);
  const go = id !== null && (wanted || asked > 0);

  useEffect(() => {
    if (!go || id === null) {
      setState({ kind: 'idle' });
      return;
    }
    let live = true;
    setState({ kind: 'loading', done: 0, total: file.size });
    const hold = acquire(
      id,
      (signal, onProgress) => (fetcher.current as FileFetcher)(signal, onProgress),
      (done, total) => {
        if (live) setState({ kind: 'loading', done, total });
      },
    );
    hold.url.then(
      (url) => {
        if (live) setState({ kind: 'ready', url });
      },
      (err: unknown) => {
        if (!live || isConclaveError(err, 'CONCLAVE_ERR_CANCELLED')) return;
        const error = toConclaveError(err, 'CONCLAVE_ERR_FILE_TRANSFER');
        setState({ kind: 'failed', message: error.message, corrupt: error.code === 'CONCLAVE_ERR_FILE_CORRUPT' });
      },
    );
    return () => {
      live = false;
      hold.release();
    };
  }, [go, id, asked, file.size]);

  return { state, load, drop };
}
