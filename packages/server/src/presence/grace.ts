/**
 * The presence grace period: a user's `logout` notice waits `graceMs` after
 * their last device disconnected, so a reconnect within it (a page reload, a
 * phone switching networks) reads as no logout at all (issue 11). One timer
 * per user at most; timers never keep the process alive, and `stop()` drops
 * them all without announcing anything (shutdown does not wait for them).
 */
export class LogoutGrace {
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();
  private stopped = false;

  /** @param graceMs the grace period, ms; 0 announces at once. */
  constructor(private readonly graceMs: number) {}

  /**
   * Calls `announce` once the grace period has passed, unless `cancel(userId)`
   * comes first. A second `start` for the same user restarts the period.
   * After `stop()` it does nothing.
   */
  start(userId: string, announce: () => void): void {
    if (this.stopped) return;
    this.cancel(userId);
    if (this.graceMs <= 0) {
      announce();
      return;
    }
    const timer = setTimeout(() => {
      this.pending.delete(userId);
      announce();
    }, this.graceMs);
    timer.unref();
    this.pending.set(userId, timer);
  }

  /** Cancels the user's pending logout; `true` when there was one (they came back within the grace period). */
  cancel(userId: string): boolean {
    const timer = this.pending.get(userId);
    if (timer === undefined) return false;
    clearTimeout(timer);
    this.pending.delete(userId);
    return true;
  }

  /** Drops every pending logout unannounced and ignores later `start`s (server shutdown). */
  stop(): void {
    this.stopped = true;
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }
}
