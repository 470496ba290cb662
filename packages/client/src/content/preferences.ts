import type { ConversationId } from '@conclave/protocol';
import type { ClientStore } from '../store/store.js';

/** Store record of this device's chat preferences: JSON `{ v: 1, readReceipts: boolean, muted: ConversationId[] }`. */
export const PREFERENCES_RECORD = 'preferences';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * This device's chat preferences, kept as a sealed record: whether it sends
 * read markers (on by default), and the conversations muted here (their
 * messages make no sound; mentions of you still do).
 */
export class Preferences {
  private readReceipts_ = true;
  private readonly muted_ = new Set<ConversationId>();
  private saving: Promise<void> = Promise.resolve();

  constructor(private readonly store: ClientStore) {}

  /** Reads the stored record (missing or unreadable: the defaults). */
  async load(): Promise<void> {
    try {
      const bytes = await this.store.loadRecord(PREFERENCES_RECORD);
      if (bytes === null) return;
      const parsed = JSON.parse(decoder.decode(bytes)) as { v?: unknown; readReceipts?: unknown; muted?: unknown };
      if (parsed.v !== 1) return;
      if (typeof parsed.readReceipts === 'boolean') this.readReceipts_ = parsed.readReceipts;
      if (Array.isArray(parsed.muted)) for (const id of parsed.muted) if (typeof id === 'string') this.muted_.add(id as ConversationId);
    } catch {
      // keep the defaults
    }
  }

  /** Whether this device sends read markers. */
  get readReceipts(): boolean {
    return this.readReceipts_;
  }

  /** Whether a conversation is muted here. */
  isMuted(conversationId: ConversationId): boolean {
    return this.muted_.has(conversationId);
  }

  /** The conversations muted here. */
  get muted(): readonly ConversationId[] {
    return [...this.muted_];
  }

  /** Changes preferences and stores them; resolves once stored. */
  update(change: { readReceipts?: boolean; mute?: ConversationId; unmute?: ConversationId }): Promise<void> {
    if (change.readReceipts !== undefined) this.readReceipts_ = change.readReceipts;
    if (change.mute !== undefined) this.muted_.add(change.mute);
    if (change.unmute !== undefined) this.muted_.delete(change.unmute);
    const bytes = encoder.encode(JSON.stringify({ v: 1, readReceipts: this.readReceipts_, muted: [...this.muted_] }));
    this.saving = this.saving.then(() => this.store.saveRecord(PREFERENCES_RECORD, bytes));
    const done = this.saving;
    this.saving = this.saving.catch(() => undefined);
    return done;
  }
}
