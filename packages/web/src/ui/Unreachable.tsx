import { useEffect, useRef, useState } from 'react';
import { AuthLayout } from './auth/AuthLayout.js';

/** First retry after this many seconds; doubles up to `MAX_DELAY_S`. */
const FIRST_DELAY_S = 3;
const MAX_DELAY_S = 60;
/** sessionStorage key of the next retry delay (s), doubled per failed try. */
const RETRY_DELAY_KEY = 'conclave.retryDelay';

/**
 * Shown when the saved session could not be resumed because the server was
 * unreachable: retries by itself with a growing delay, or on "Try again".
 */
export function Unreachable({ message, onRetry, onSignIn }: { message: string; onRetry: () => void; onSignIn: () => void }) {
  const [delay] = useState(() => {
    const n = Number(sessionStorage.getItem(RETRY_DELAY_KEY) ?? FIRST_DELAY_S);
    const next = Math.min(MAX_DELAY_S, Number.isFinite(n) ? n : FIRST_DELAY_S);
    sessionStorage.setItem(RETRY_DELAY_KEY, String(Math.min(MAX_DELAY_S, next * 2)));
    return next;
  });
  const [left, setLeft] = useState(delay);
  useEffect(() => {
    const timer = setInterval(() => setLeft((s) => s - 1), 1000);
    return () => clearInterval(timer);
  }, []);
  const fired = useRef(false);
  useEffect(() => {
    if (left > 0 || fired.current) return;
    fired.current = true;
    onRetry();
  }, [left, onRetry]);
  return (
    <AuthLayout title="Can't reach the server" subtitle="You may be offline, or the server is restarting. What this browser keeps stays here.">
      <p className="auth__notice" role="status">
        Reconnecting… (next try in {Math.max(0, left)} s)
      </p>
      <p className="auth__detail">{message}</p>
      <div className="form">
        <button type="button" className="button button--primary button--block" onClick={onRetry}>
          Try again
        </button>
        <button type="button" className="button button--ghost button--block" onClick={onSignIn}>
          Sign in with a password
        </button>
      </div>
    </AuthLayout>
  );
}

/** Shown while the user's chat runs in another tab of this browser (one tab per device). */
export function Elsewhere({ username, onUseHere }: { username: string; onUseHere: () => void }) {
  return (
    <AuthLayout title="Open in another tab" subtitle={`Conclave is open as ${username} in another tab or window of this browser.`}>
      <p className="auth__notice">
        This browser is one device, so the chat runs in one tab at a time. Use it here to move it from the other tab.
      </p>
      <div className="form">
        <button type="button" className="button button--primary button--block" onClick={onUseHere}>
          Use here
        </button>
      </div>
    </AuthLayout>
  );
}
