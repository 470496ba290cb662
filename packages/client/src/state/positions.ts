import type { ConversationId } from '@conclave/protocol';
import type { Clock } from '../connection/clock.js';
import type { ClientStore, HistoryEntry } from '../store/store.js';
import type { ChatState } from './chat-state.js';
import { CursorTracker } from './cursors.js';
import { loadPositions, PositionSaver } from './position-saver.js';

/** History entries read per conversation at connect (unread counts, replay of what another run decrypted). */
export const REPLAY_LIMIT = 500;

/** What positions are kept for. */
export interface PositionDeps {
  store: ClientStore;
  clock: Clock;
  state: ChatState;
  /** Delay before dirty positions are saved, ms. */
  saveDelayMs: number;
  /** `skip`: a send-only session — nothing is delivered from history, nothing saved. */
  history: 'deliver' | 'skip';
  /** A message to show (the `message` event). */
  show(entry: HistoryEntry): void;
  /** A save failed. */
  onSaveError(err: unknown): void;
}

/**
 * Where this device is in each conversation: the cursor (highest seq shown,
 * exactly-once delivery across restarts), the read position and unread
 * count (`ReadPositions` in the view state), and the conversation on
 * screen; all saved coalesced by a `PositionSaver`.
 */
export class Positions {
  private cursors = new CursorTracker();
  private view: ConversationId | null = null;
  private readonly seeded = new Set<ConversationId>();
  private readonly saver: PositionSaver;

  constructor(private readonly deps: PositionDeps) {
    this.saver = new PositionSaver({
      store: deps.store,
      clock: deps.clock,
      delayMs: deps.saveDelayMs,
      readOnly: deps.history === 'skip',
      cursors: () => this.cursors,
      reads: () => deps.state.reads,
      view: () => deps.state.current,
      onError: (err) => deps.onSaveError(err),
    });
  }

  /** Loads what an earlier run saved (at every `connect`). */
  async load(): Promise<void> {
    const saved = await loadPositions(this.deps.store);
    this.cursors = saved.cursors;
    this.deps.state.reads = saved.reads;
    this.view = saved.view;
    this.seeded.clear();
    this.saver.viewLoaded(saved.view);
  }

  /** Before the first conversation list of a connect: the conversation that was open (kept if still a member). */
  restoreView(): void {
    if (this.view !== null && this.deps.state.current === null) this.deps.state.current = this.view;
    this.view = null;
  }

  /** Starts a conversation at `seq` without delivering what is before (send-only sessions). */
  fastForward(id: ConversationId, seq: number): void {
    if (this.deps.history === 'skip') this.cursors.fastForward(id, seq);
  }

  /**
   * For each conversation not seen yet this run: counts the unread messages
   * its local history holds, then shows the entries after the cursor (decrypted
   * by an earlier run of this device, e.g. `conclave send`).
   */
  async catchUpFromHistory(ids: readonly ConversationId[]): Promise<void> {
    if (this.deps.history === 'skip') return;
    for (const id of ids) {
      if (this.seeded.has(id)) continue;
      this.seeded.add(id);
      const history = await this.deps.store.loadHistory(id, REPLAY_LIMIT);
      this.deps.state.reads.seed(id, history);
      const cursor = this.cursors.get(id);
      for (const entry of history) if (entry.seq > cursor) this.deliver(entry);
    }
    this.deps.state.changed();
  }

  /** Shows a decrypted message once (cursor), counts it unread or read, and schedules a save. */
  deliver(entry: HistoryEntry): void {
    // The engine applies the log exactly once and in order; commits use seqs too, so gaps are expected here.
    if (this.cursors.admit(entry.conversationId, entry.seq, true) === 'duplicate') return;
    this.seeded.add(entry.conversationId);
    if (this.deps.state.reads.arrived(entry, entry.conversationId === this.deps.state.current)) this.deps.state.changed();
    this.deps.show(entry);
    this.saver.schedule();
  }

  /** Moves a read position forward (never back) and saves it soon. */
  markRead(id: ConversationId, seq: number): void {
    if (!this.deps.state.reads.markRead(id, seq)) return;
    this.deps.state.changed();
    this.saver.schedule();
  }

  /** Puts a conversation on screen (read up to its latest message) and saves that soon. */
  setCurrent(id: ConversationId | null): void {
    this.deps.state.setCurrent(id);
    this.deps.state.changed();
    this.saver.schedule();
  }

  /** Saves whatever changed now; resolves when stored. */
  flush(): Promise<void> {
    return this.saver.flush();
  }
}
