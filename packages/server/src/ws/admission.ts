import type { ClientFrame, ErrorCode } from '@conclave/protocol';
import { SETTINGS, type ConnectionCaps } from '../settings/service.js';
import type { ConnectionRefusalLabel } from '../metrics/metrics.js';

// What a connection may do before it is authenticated, and how many
// connections one address or one session may hold (issue 13, findings 2 and 7).

/** Frame types an unauthenticated connection may send; anything else is refused before schema validation. */
export const PRE_AUTH_TYPES: ReadonlySet<ClientFrame['type']> = new Set(['hello', 'register', 'login', 'authenticate']);

/**
 * Why a frame of `type` is refused in `phase`, or undefined when it is allowed
 * there: `HELLO_REQUIRED` before `hello`, `NOT_AUTHENTICATED` for anything but
 * `PRE_AUTH_TYPES` before login. Cheap: called before the frame is validated.
 */
export function phaseRefusal(phase: 'hello' | 'unauthenticated' | 'ready' | 'closed', type: ClientFrame['type']): ErrorCode | undefined {
  if (phase === 'hello' && type !== 'hello') return 'CONCLAVE_ERR_HELLO_REQUIRED';
  if (phase !== 'ready' && !PRE_AUTH_TYPES.has(type)) return 'CONCLAVE_ERR_NOT_AUTHENTICATED';
  return undefined;
}

/** Which cap refused a connection: the `reason` label of `conclave_connections_refused_total`. */
export type CapRefusal = ConnectionRefusalLabel;

/** One admitted connection's place in the counts; release it exactly once, when the socket closes. */
export interface CapSlot {
  /**
   * Moves the connection from the address's pre-auth count to the session's
   * count. Returns 'session' (and changes nothing) when the session already
   * holds `perSession` connections.
   */
  authenticate(sessionKey: string): CapRefusal | undefined;
  /** The socket closed: its counts are given back (idempotent). */
  release(): void;
}

const defaults = (): ConnectionCaps => ({
  perAddress: Number(SETTINGS.max_connections_per_address.default),
  preAuthPerAddress: Number(SETTINGS.max_preauth_connections_per_address.default),
  perSession: Number(SETTINGS.max_connections_per_session.default),
});

/**
 * Counts open connections per client address (all, and those not yet
 * authenticated) and per session, and refuses one over the caps in force.
 * The caps are settings; `refresh` reads them (the gateway calls it every
 * second), so admission itself is synchronous — a connection is counted in the
 * same turn as its socket opens, whatever arrives at once.
 */
export class ConnectionCounter {
  private caps: ConnectionCaps = defaults();
  private readonly byAddress = new Map<string, { open: number; preAuth: number }>();
  private readonly bySession = new Map<string, number>();

  constructor(private readonly read: () => Promise<ConnectionCaps>) {}

  /** Re-reads the caps from the settings; keeps the previous ones if that fails. */
  async refresh(): Promise<void> {
    try {
      this.caps = await this.read();
    } catch {
      // A transient store error: the caps read last stay in force.
    }
  }

  /**
   * Counts a new, unauthenticated connection from `address`.
   * @returns its slot, or the cap it would exceed (then nothing is counted)
   */
  open(address: string): { slot: CapSlot } | { refused: CapRefusal } {
    const counts = this.byAddress.get(address) ?? { open: 0, preAuth: 0 };
    if (counts.open >= this.caps.perAddress) return { refused: 'address' };
    if (counts.preAuth >= this.caps.preAuthPerAddress) return { refused: 'preauth_address' };
    counts.open += 1;
    counts.preAuth += 1;
    this.byAddress.set(address, counts);
    let session: string | undefined;
    let released = false;
    return {
      slot: {
        authenticate: (sessionKey) => {
          if (released || session !== undefined) return undefined;
          const onSession = this.bySession.get(sessionKey) ?? 0;
          if (onSession >= this.caps.perSession) return 'session';
          this.bySession.set(sessionKey, onSession + 1);
          session = sessionKey;
          counts.preAuth -= 1;
          return undefined;
        },
        release: () => {
          if (released) return;
          released = true;
          counts.open -= 1;
          if (session === undefined) counts.preAuth -= 1;
          else {
            const left = (this.bySession.get(session) ?? 1) - 1;
            if (left > 0) this.bySession.set(session, left);
            else this.bySession.delete(session);
          }
          if (counts.open === 0) this.byAddress.delete(address);
        },
      },
    };
  }
}
