import { useEffect, useState } from 'react';
import type { ConnectionState } from '@conclave/client';

/** Props of `ConnectionBar`. */
export interface ConnectionBarProps {
  state: ConnectionState;
  /** When reconnecting: the time of the next attempt, ms since the Unix epoch (`ChatModel.retryAt`). */
  retryAt: number | null;
}

/**
 * The connection status (`role="status"`): empty while connected, otherwise a
 * visible bar — "Offline — reconnecting in 4s" while waiting for the next
 * attempt (counting down each second), "Offline — reconnecting…" during one,
 * "Disconnected." when the client gave up. The client core reconnects by itself.
 */
export function ConnectionBar({ state, retryAt }: ConnectionBarProps) {
  const now = useSecondTicks(state !== 'ready' && retryAt !== null);
  const seconds = retryAt === null ? 0 : Math.ceil((retryAt - now) / 1000);
  const text =
    state === 'ready' ? '' : state === 'closed' ? 'Disconnected.' : seconds > 0 ? `Offline — reconnecting in ${seconds}s` : 'Offline — reconnecting…';
  return (
    <div className={`connection ${text === '' ? 'connection--ok' : 'connection--down'}`} role="status">
      {text !== '' && (
        <>
          <span className="spinner spinner--small" aria-hidden="true" />
          {text}
        </>
      )}
    </div>
  );
}

/** `Date.now()`, re-rendering every second while `running`. */
function useSecondTicks(running: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!running) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [running]);
  return running ? now : Date.now();
}
