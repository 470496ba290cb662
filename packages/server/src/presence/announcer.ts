import { LIMITS, type UnsignedNotice, type UserRef } from '@conclave/protocol';

/** A presence change to announce. */
export type PresenceChange = 'login' | 'logout';

/**
 * Announces logins and logouts. While they are rare — at most `burst` in a
 * window of `windowMs` — each gets its own signed notice, as always. Past
 * that (a server restart: every device comes back at once) the rest of the
 * window is held and sent as one `presence` notice summing it up, and so is
 * every following window until one passes quietly. Each login would
 * otherwise reach every connection: N devices coming back cost N² notice
 * frames, the work that made a reconnect storm slow (issue 12).
 *
 * A user who logs in and out within one held window cancels out. Timers
 * never keep the process alive; `stop()` drops what is held unannounced.
 */
export class PresenceAnnouncer {
  private windowStart = Number.NEGATIVE_INFINITY;
  private count = 0;
  private readonly held = new Map<string, { username: string; change: PresenceChange }>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param publish signs and sends a notice to every connection
   * @param now the clock, ms
   */
  constructor(
    private readonly publish: (notice: Omit<UnsignedNotice, 'at'>) => void,
    private readonly now: () => number = Date.now,
    private readonly burst: number = LIMITS.presenceBurst,
    private readonly windowMs: number = LIMITS.presenceBurstWindowMs,
  ) {}

  /** Announces `change` of `user` now, or with the rest of this window's burst. */
  announce(change: PresenceChange, user: UserRef): void {
    const t = this.now();
    if (this.timer === undefined && t - this.windowStart >= this.windowMs) {
      this.windowStart = t;
      this.count = 0;
    }
    this.count++;
    if (this.timer === undefined && this.count <= this.burst) {
      this.publish({ kind: change, user: { userId: user.userId, username: user.username } });
      return;
    }
    const before = this.held.get(user.userId);
    if (before !== undefined && before.change !== change) this.held.delete(user.userId);
    else this.held.set(user.userId, { username: user.username, change });
    this.timer ??= unref(setTimeout(() => this.flush(), Math.max(0, this.windowStart + this.windowMs - t)));
  }

  /** Drops what is held, unannounced (shutdown). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.held.clear();
  }

  private flush(): void {
    this.timer = undefined;
    // The next window starts full: a storm that goes on stays summed up.
    this.windowStart = this.now();
    this.count = this.burst;
    const text = presenceSummary([...this.held.values()]);
    this.held.clear();
    if (text !== undefined) this.publish({ kind: 'presence', text });
  }
}

/**
 * "alice, bob, carol and 41 others logged in; dave logged out" (names in
 * the order they came, three at most per change); undefined when empty.
 */
export function presenceSummary(changes: ReadonlyArray<{ username: string; change: PresenceChange }>): string | undefined {
  const part = (change: PresenceChange): string | undefined => {
    const names = changes.filter((c) => c.change === change).map((c) => c.username);
    if (names.length === 0) return undefined;
    const shown = names.slice(0, names.length > 3 ? 2 : 3);
    const rest = names.length - shown.length;
    const list = rest > 0 ? `${shown.join(', ')} and ${rest} other${rest === 1 ? '' : 's'}` : joinAnd(shown);
    return `${list} logged ${change === 'login' ? 'in' : 'out'}`;
  };
  const parts = [part('login'), part('logout')].filter((p): p is string => p !== undefined);
  return parts.length === 0 ? undefined : parts.join('; ');
}

function joinAnd(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]!}`;
}

function unref<T extends { unref?: () => unknown }>(timer: T): T {
  timer.unref?.();
  return timer;
}
