import { LIMITS } from '@conclave/protocol';
import type { Logger } from 'pino';

/** The session lookup the revocation check needs (implemented by the SQL account store). */
export interface LiveSessionStore {
  /**
   * Which of these sessions (SHA-256 token hashes) still exist and have not
   * reached their absolute expiry at `now` (ms since the epoch). One query;
   * callers pass at most `LIMITS.sessionRevocationBatch` hashes.
   */
  existingSessions(tokenHashes: readonly string[], now: number): Promise<Set<string>>;
}

/** A live authenticated connection, as far as revocation is concerned (`ws/connection.ts` `Connection`). */
export interface RevocableConnection {
  readonly principal: { readonly tokenHash: string } | undefined;
  /** Sends the error frame and closes with the code's close status. */
  fail(code: 'CONCLAVE_ERR_SESSION_REVOKED', detail: string): void;
}

/** Timing of the check (tests may shorten it). */
export interface RevocationWatchOptions {
  /** Between two checks, ms; default `LIMITS.sessionRevocationCheckMs`. */
  intervalMs?: number;
  /** Hashes per query, default `LIMITS.sessionRevocationBatch`. */
  batch?: number;
  now?: () => number;
}

/**
 * Closes live connections whose session no longer exists, whatever ended it:
 * a password reset from the shell (`conclave admin reset-password`, another
 * process on the same database), an admin's `/logoutuser` or `/deluser`,
 * `logout` on another connection of the session, a pruned device, or the
 * session's absolute expiry. Every `intervalMs` it collects the distinct
 * sessions of this node's connections, asks the store in one query (per
 * `batch` sessions) which still exist, and fails the connections of the
 * others with `CONCLAVE_ERR_SESSION_REVOKED` (close 4004). Every node runs
 * its own, so it works across processes; in-process paths (admin commands)
 * still close at once through the bus.
 *
 * No false positives: a connection is checked only if it was registered
 * before the query, when its session existed, and session rows are never
 * re-created under the same hash.
 */
export class RevocationWatch {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private readonly intervalMs: number;
  private readonly batch: number;
  private readonly now: () => number;

  constructor(
    private readonly store: LiveSessionStore,
    /** This node's authenticated connections, at the time of the call. */
    private readonly connections: () => Iterable<RevocableConnection>,
    private readonly log: Logger,
    options: RevocationWatchOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? LIMITS.sessionRevocationCheckMs;
    this.batch = Math.max(1, options.batch ?? LIMITS.sessionRevocationBatch);
    this.now = options.now ?? Date.now;
  }

  /** Starts the periodic check (idempotent). The timer does not keep the process alive. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops the periodic check and waits for a check in flight. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /**
   * Runs one check now (one at a time: a call during a check joins it).
   * @returns how many connections it closed. Never throws: a failed query is logged and retried at the next tick.
   */
  check(): Promise<number> {
    this.running ??= this.sweep().finally(() => (this.running = undefined));
    return this.running;
  }

  private async sweep(): Promise<number> {
    const bySession = new Map<string, RevocableConnection[]>();
    for (const conn of this.connections()) {
      const hash = conn.principal?.tokenHash;
      if (hash === undefined) continue;
      const list = bySession.get(hash);
      if (list) list.push(conn);
      else bySession.set(hash, [conn]);
    }
    if (bySession.size === 0) return 0;
    const hashes = [...bySession.keys()];
    const live = new Set<string>();
    try {
      for (let i = 0; i < hashes.length; i += this.batch) {
        for (const hash of await this.store.existingSessions(hashes.slice(i, i + this.batch), this.now())) live.add(hash);
      }
    } catch (err) {
      this.log.error({ err }, 'session revocation check failed');
      return 0;
    }
    let closed = 0;
    for (const [hash, conns] of bySession) {
      if (live.has(hash)) continue;
      for (const conn of conns) {
        conn.fail('CONCLAVE_ERR_SESSION_REVOKED', 'session revoked or expired');
        closed += 1;
      }
    }
    if (closed > 0) this.log.info({ connections: closed, sessions: bySession.size - live.size }, 'connections of ended sessions closed');
    return closed;
  }
}
