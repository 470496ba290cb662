/**
 * The connection's life:
 *
 *   idle → connecting → authenticating → ready
 *                ↑              │          │
 *                └── reconnecting ←────────┘   (socket lost, heartbeat missed)
 *   any → closed   (close(), a fatal error, or the first connect failing)
 *
 * `authenticating` covers hello, login/authenticate and the catch-up sync;
 * `ready` means caught up and live.
 */
export type ConnectionState = 'idle' | 'connecting' | 'authenticating' | 'ready' | 'reconnecting' | 'closed';

const TRANSITIONS: Readonly<Record<ConnectionState, readonly ConnectionState[]>> = {
  idle: ['connecting', 'closed'],
  connecting: ['authenticating', 'reconnecting', 'closed'],
  authenticating: ['ready', 'reconnecting', 'closed'],
  ready: ['reconnecting', 'closed'],
  reconnecting: ['connecting', 'closed'],
  closed: [],
};

/** True when the state machine allows `from → to`. */
export function canTransition(from: ConnectionState, to: ConnectionState): boolean {
  return TRANSITIONS[from].includes(to);
}
