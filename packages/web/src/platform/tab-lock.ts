/**
 * One tab at a time per user on this browser. All tabs share the user's
 * IndexedDB database, i.e. one device with one set of MLS group states; two
 * tabs applying Commits to the same state would fork it. A Web Lock named
 * `conclave:<username lowercased>` is held by the tab that runs the chat; a
 * second tab can ask it to step aside over a BroadcastChannel.
 */

const TAKE_OVER = 'take-over';

/** A held per-user lock. */
export interface TabLock {
  /** Lets another tab take the user (idempotent). */
  release(): void;
}

function lockName(username: string): string {
  return `conclave:${username.toLowerCase()}`;
}

/** Browsers without Web Locks (old ones) simply run unguarded. */
function supported(): boolean {
  return typeof navigator !== 'undefined' && 'locks' in navigator && typeof BroadcastChannel !== 'undefined';
}

/**
 * Takes the lock of `username`. With `wait: false`, resolves null at once when
 * another tab holds it; with `wait: true`, waits until it is free.
 * `onTakenOver` runs when another tab asks for the user (`requestTakeOver`):
 * the holder then closes its session and calls `release()`.
 */
export function acquireTabLock(username: string, wait: boolean, onTakenOver: () => void): Promise<TabLock | null> {
  if (!supported()) return Promise.resolve({ release: () => undefined });
  return new Promise((resolve) => {
    let free: (() => void) | null = null;
    const held = new Promise<void>((r) => {
      free = r;
    });
    const channel = new BroadcastChannel(lockName(username));
    const release = (): void => {
      channel.close();
      free?.();
    };
    void navigator.locks
      .request(lockName(username), { ifAvailable: !wait }, async (lock) => {
        if (lock === null) {
          channel.close();
          resolve(null);
          return;
        }
        channel.onmessage = (event: MessageEvent<unknown>) => {
          if (event.data === TAKE_OVER) onTakenOver();
        };
        resolve({ release });
        await held;
      })
      .catch(() => resolve({ release }));
  });
}

/** Asks the tab holding `username` to close its session (it then releases the lock). */
export function requestTakeOver(username: string): void {
  if (!supported()) return;
  const channel = new BroadcastChannel(lockName(username));
  channel.postMessage(TAKE_OVER);
  channel.close();
}
