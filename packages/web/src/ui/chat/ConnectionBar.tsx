import type { ConnectionState } from '@conclave/client';

/**
 * The connection status (`role="status"`): empty while connected, a visible
 * "Reconnecting…" bar otherwise (the client core reconnects by itself).
 */
export function ConnectionBar({ state }: { state: ConnectionState }) {
  const text = state === 'ready' ? '' : state === 'closed' ? 'Disconnected.' : 'Reconnecting…';
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
