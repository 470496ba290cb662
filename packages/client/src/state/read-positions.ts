import type { ConversationId } from '@conclave/protocol';
import type { UserId } from '@conclave/protocol';
import { isMessageEntry } from '../content/entries.js';
import type { HistoryEntry } from '../store/store.js';

/** Store record of the read positions: JSON `{ v: 1, positions: { [conversationId]: seq } }`. */
export const READ_POSITIONS_RECORD = 'read-positions';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Per conversation, the highest seq this device has READ (the user had the
 * conversation open, or marked it read), and the unread messages above it.
 *
 * Unlike the cursor (the highest seq *delivered* to the UI) the read
 * position survives a restart as its own record, so unread counts do too:
 * at connect they are rebuilt from the local history (`seed`), then kept up
 * to date as messages arrive (`arrived`). Unread = messages from others with
 * a seq above the read position, each counted once.
 */
export class ReadPositions {
  private readonly positions = new Map<ConversationId, number>();
  /** Seqs of others' messages above the read position, ascending. */
  private readonly unreadSeqs = new Map<ConversationId, number[]>();
  /** The highest seq of a message from someone else at or below the read position (what a read marker may report). */
  private readonly othersRead = new Map<ConversationId, number>();
  /** The users each unread message mentions, by seq (only messages that mention someone). */
  private readonly unreadMentions = new Map<ConversationId, Map<number, readonly UserId[]>>();
  /** Highest seq already looked at per conversation (history or arrival): nothing at or below it is counted again. */
  private readonly counted = new Map<ConversationId, number>();
  private dirty_ = false;

  /** Reads the stored record (null or unreadable: nothing read yet). */
  static decode(bytes: Uint8Array | null): ReadPositions {
    const reads = new ReadPositions();
    if (bytes === null) return reads;
    try {
      const parsed = JSON.parse(decoder.decode(bytes)) as { v?: unknown; positions?: unknown };
      if (parsed.v !== 1 || typeof parsed.positions !== 'object' || parsed.positions === null) return reads;
      for (const [id, seq] of Object.entries(parsed.positions)) {
        if (typeof seq === 'number' && Number.isInteger(seq) && seq >= 0) reads.positions.set(id as ConversationId, seq);
      }
    } catch {
      // an unreadable record only loses unread counts
    }
    return reads;
  }

  /** The stored form (see `READ_POSITIONS_RECORD`); marks the positions clean. */
  encode(): Uint8Array {
    this.dirty_ = false;
    return encoder.encode(JSON.stringify({ v: 1, positions: Object.fromEntries(this.positions) }));
  }

  /** True when a position moved since the last `encode()`. */
  get dirty(): boolean {
    return this.dirty_;
  }

  /** The highest seq read in a conversation (0: nothing read). */
  get(id: ConversationId): number {
    return this.positions.get(id) ?? 0;
  }

  /** Unread messages from others in a conversation. */
  unread(id: ConversationId): number {
    return this.unreadSeqs.get(id)?.length ?? 0;
  }

  /** The highest seq of a message from someone else that this device has read (0: none). */
  readOthers(id: ConversationId): number {
    return this.othersRead.get(id) ?? 0;
  }

  /** Unread messages from others in a conversation that mention `userId`. */
  mentions(id: ConversationId, userId: UserId | undefined): number {
    if (userId === undefined) return 0;
    let n = 0;
    for (const users of this.unreadMentions.get(id)?.values() ?? []) if (users.includes(userId)) n++;
    return n;
  }

  /** The highest seq seen in a conversation (from history or arrivals; 0: none). */
  latest(id: ConversationId): number {
    return this.counted.get(id) ?? 0;
  }

  /**
   * Moves the read position forward to `seq` (never back).
   * @returns true when it moved (the unread count may have changed).
   */
  markRead(id: ConversationId, seq: number): boolean {
    if (!Number.isInteger(seq) || seq <= this.get(id)) return false;
    this.positions.set(id, seq);
    this.dirty_ = true;
    const seqs = this.unreadSeqs.get(id);
    if (seqs !== undefined) {
      const read = seqs.filter((s) => s <= seq);
      if (read.length > 0) this.othersRead.set(id, Math.max(this.readOthers(id), ...read));
      this.unreadSeqs.set(id, seqs.filter((s) => s > seq));
    }
    const mentioning = this.unreadMentions.get(id);
    for (const s of mentioning?.keys() ?? []) if (s <= seq) mentioning?.delete(s);
    return true;
  }

  /**
   * Counts the unread messages a conversation's local history holds (at
   * connect; once per conversation and client). Entries at or below what was
   * already counted are skipped, so a replay of the same history does not count twice.
   */
  seed(id: ConversationId, history: readonly HistoryEntry[]): void {
    for (const entry of history) this.count(entry);
  }

  /**
   * A message was delivered. In the conversation on screen it is read at
   * once; elsewhere one from someone else is unread.
   * @returns true when the unread count or the read position changed.
   */
  arrived(entry: HistoryEntry, onScreen: boolean): boolean {
    if (onScreen) {
      this.count(entry);
      return this.markRead(entry.conversationId, entry.seq);
    }
    return this.count(entry);
  }

  /** Forgets a conversation this user left (its position stays stored until the next save). */
  forget(id: ConversationId): void {
    this.unreadSeqs.delete(id);
    this.unreadMentions.delete(id);
    this.othersRead.delete(id);
    this.counted.delete(id);
    if (this.positions.delete(id)) this.dirty_ = true;
  }

  private count(entry: HistoryEntry): boolean {
    const id = entry.conversationId;
    if (entry.seq <= (this.counted.get(id) ?? 0)) return false;
    this.counted.set(id, entry.seq);
    // Reactions, edits, deletions and topics are not messages of their own: they change no count.
    if (entry.mine || !isMessageEntry(entry)) return false;
    if (entry.seq <= this.get(id)) {
      this.othersRead.set(id, Math.max(this.readOthers(id), entry.seq));
      return false;
    }
    if (entry.mentions !== undefined && entry.mentions.length > 0) {
      let mentioning = this.unreadMentions.get(id);
      if (mentioning === undefined) this.unreadMentions.set(id, (mentioning = new Map<number, readonly UserId[]>()));
      mentioning.set(entry.seq, entry.mentions);
    }
    const seqs = this.unreadSeqs.get(id);
    if (seqs === undefined) this.unreadSeqs.set(id, [entry.seq]);
    else seqs.push(entry.seq);
    return true;
  }
}
