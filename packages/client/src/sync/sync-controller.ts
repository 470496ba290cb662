import { canTransition, MAX_GAP_ROUNDS, type SyncState } from './sync-state.js';

/** What the controller drives. */
export interface SyncDeps {
  /** Sends one `sync` with the group cursors; resolves on `synced`. @throws ConclaveError when the socket goes. */
  sync(): Promise<void>;
  /** Resolves once everything received so far has been applied. */
  applied(): Promise<void>;
  /** True while the connection is `ready` (a gap then starts a catch-up on its own). */
  ready(): boolean;
  /** After a catch-up completed: save cursors. */
  caughtUp(): Promise<void>;
  /** Every transition, for tests and diagnostics. */
  onTransition?(from: SyncState, to: SyncState): void;
}

/**
 * Catching up from the cursors, as the explicit state machine of
 * `sync-state.ts`: a catch-up runs rounds until one ends without a gap, or
 * `MAX_GAP_ROUNDS` rounds in a row could not fill one. A gap seen while
 * idle and ready starts a catch-up; one seen mid-round asks for another round.
 */
export class SyncController {
  private state_: SyncState = 'idle';
  /** Rounds in a row that ended with a gap (reset by a round without one). */
  private gapRounds = 0;
  private running: Promise<void> | null = null;
  /** A gap asked for a catch-up that has not started its first round yet. */
  private queued = false;

  constructor(private readonly deps: SyncDeps) {}

  /** The current state. */
  get state(): SyncState {
    return this.state_;
  }

  /**
   * Catches up (after a connect): waits for a catch-up already running,
   * then runs one. @throws ConclaveError when the connection goes meanwhile.
   */
  async catchUp(): Promise<void> {
    while (this.running !== null) await this.running.catch(() => undefined);
    const run = this.run();
    this.running = run;
    try {
      await run;
    } finally {
      if (this.running === run) this.running = null;
    }
  }

  /** The log skipped a seq (a message was lost on the way): resync. */
  onGap(): void {
    if (this.state_ === 'syncing') {
      this.to('retrying-gap');
    } else if (this.state_ === 'idle' && !this.queued && this.deps.ready()) {
      // (A catch-up may still be saving its cursors: this one follows it.)
      // A lost socket resyncs on reconnect anyway: a failure here needs no report.
      this.queued = true;
      this.catchUp().catch(() => undefined);
    }
  }

  private async run(): Promise<void> {
    this.queued = false;
    this.to('syncing');
    try {
      for (;;) {
        await this.deps.sync();
        await this.deps.applied();
        if (this.state_ === 'syncing') {
          this.gapRounds = 0;
          break;
        }
        if (++this.gapRounds >= MAX_GAP_ROUNDS) break;
        this.to('syncing');
      }
    } finally {
      this.to('idle');
    }
    await this.deps.caughtUp();
  }

  private to(next: SyncState): void {
    const from = this.state_;
    if (!canTransition(from, next)) throw new Error(`sync: illegal transition ${from} → ${next}`);
    this.state_ = next;
    this.deps.onTransition?.(from, next);
  }
}
