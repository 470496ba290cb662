import type { ContentInput, ConversationId } from '@conclave/protocol';
import type { Clock, TimerHandle } from '../connection/clock.js';
import type { ChatState } from '../state/chat-state.js';
import type { ConversationMeta } from './conversation-meta.js';
import type { Preferences } from './preferences.js';

/** Wait after the read position moved before the read marker is sent, ms (reading on coalesces into one). */
export const RECEIPT_DELAY_MS = 1_500;

/** What the receipt sender needs. */
export interface ReceiptSenderDeps {
  clock: Clock;
  preferences: Preferences;
  state: ChatState;
  meta: ConversationMeta;
  /** Sends a logged content through the outbox (resent until acknowledged). */
  send(conversationId: ConversationId, content: ContentInput): Promise<unknown>;
  /** False for send-only sessions (`history: 'skip'`), which read nothing. */
  enabled: boolean;
}

/**
 * Sends this user's read markers (`receipt` contents): when the read
 * position covers a message from someone else that the last marker sent did
 * not, a receipt "read up to N" follows `RECEIPT_DELAY_MS` later. The
 * preference `readReceipts` (`Preferences`, on by default) turns them off;
 * others' markers are still shown. The last marker sent is kept with
 * the others' (`ConversationMeta`), so a restart does not send it again.
 */
export class ReceiptSender {
  private readonly timers = new Map<ConversationId, TimerHandle>();

  constructor(private readonly deps: ReceiptSenderDeps) {}

  /** Whether this device sends read markers. */
  get readReceipts(): boolean {
    return this.deps.preferences.readReceipts;
  }

  /** Turns read markers on or off (stored at once). */
  async setReadReceipts(on: boolean): Promise<void> {
    if (!on) for (const id of [...this.timers.keys()]) this.cancel(id);
    await this.deps.preferences.update({ readReceipts: on });
  }

  /** Looks at every conversation's read position (after any change) and schedules the markers due. */
  check(): void {
    if (!this.readReceipts || !this.deps.enabled) return;
    const { me } = this.deps.state;
    if (me === null) return;
    for (const { conversationId } of this.deps.state.snapshot().conversations) {
      if (this.timers.has(conversationId) || !this.due(conversationId)) continue;
      this.timers.set(
        conversationId,
        this.deps.clock.setTimeout(() => this.send(conversationId), RECEIPT_DELAY_MS),
      );
    }
  }

  /** Stops the pending timers (the client is closing). */
  stop(): void {
    for (const id of [...this.timers.keys()]) this.cancel(id);
  }

  private due(id: ConversationId): boolean {
    const me = this.deps.state.me;
    if (me === null) return false;
    const sent = this.deps.meta.markerOf(id, me.userId);
    return this.deps.state.reads.readOthers(id) > sent;
  }

  private send(id: ConversationId): void {
    this.timers.delete(id);
    const me = this.deps.state.me;
    if (!this.readReceipts || me === null || !this.due(id)) return;
    const upTo = this.deps.state.reads.get(id);
    this.deps.meta.setMarker(id, { userId: me.userId, username: me.username, upTo });
    this.deps.send(id, { kind: 'receipt', upTo }).catch(() => undefined);
  }

  private cancel(id: ConversationId): void {
    this.deps.clock.clearTimeout(this.timers.get(id) ?? null);
    this.timers.delete(id);
  }
}
