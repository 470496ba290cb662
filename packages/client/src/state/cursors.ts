import type { ConversationId } from '@conclave/protocol';
import type { Cursors } from '../store/store.js';

/** What to do with an arriving message. */
export type Admission =
  /** Next in order: show it (the cursor has advanced). */
  | 'deliver'
  /** Already delivered (seq ≤ cursor): drop it. */
  | 'duplicate'
  /** Seqs are missing before it: drop it and resync from the cursor. */
  | 'gap';

/**
 * Per conversation, the highest seq delivered to the UI. Seqs are contiguous
 * from 1, so `seq === cursor + 1` is the only message that may be shown next;
 * this is what makes delivery exactly-once across reconnects and restarts.
 */
export class CursorTracker {
  private readonly cursors = new Map<ConversationId, number>();
  private dirty_ = false;

  constructor(initial: Cursors = {}) {
    for (const [id, seq] of Object.entries(initial)) {
      if (typeof seq === 'number' && Number.isInteger(seq) && seq >= 0) this.cursors.set(id as ConversationId, seq);
    }
  }

  /** The cursor of a conversation (0: nothing seen). */
  get(conversationId: ConversationId): number {
    return this.cursors.get(conversationId) ?? 0;
  }

  /**
   * Decides on message `seq` and advances the cursor when it is delivered.
   * @param acceptGap deliver across a gap (after resyncs could not fill it:
   *   the server no longer has the missing messages).
   */
  admit(conversationId: ConversationId, seq: number, acceptGap = false): Admission {
    const cursor = this.get(conversationId);
    if (seq <= cursor) return 'duplicate';
    if (seq !== cursor + 1 && !acceptGap) return 'gap';
    this.cursors.set(conversationId, seq);
    this.dirty_ = true;
    return 'deliver';
  }

  /** Moves a cursor forward to `seq` without marking it dirty (history skipped on purpose). */
  fastForward(conversationId: ConversationId, seq: number): void {
    if (seq > this.get(conversationId)) this.cursors.set(conversationId, seq);
  }

  /** True when cursors changed since the last `snapshot({ clean: true })`. */
  get dirty(): boolean {
    return this.dirty_;
  }

  /** The cursors as a plain record (the `sync` frame's and the store's shape). */
  snapshot(options: { clean?: boolean } = {}): Cursors {
    if (options.clean === true) this.dirty_ = false;
    return Object.fromEntries(this.cursors);
  }
}
