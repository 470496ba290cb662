import type { ConversationId, UserId } from '@conclave/protocol';
import type { ClientStore } from '../store/store.js';

/** Store record of topics and read markers: JSON `{ v: 1, topics, receipts }` (sealed like every record). */
export const CONVERSATION_META_RECORD = 'conversation-meta';

/** A room's topic as last set (by a member, in the log). */
export interface Topic {
  topic: string;
  /** Who set it. */
  by: string;
  /** The seq of the `topic` entry. */
  seq: number;
}

/** A member's read marker: they have read the conversation up to `upTo` (their latest `receipt`). */
export interface ReadMarker {
  userId: UserId;
  username: string;
  upTo: number;
}

interface Stored {
  v: 1;
  topics: Record<string, Topic>;
  receipts: Record<string, Record<string, { username: string; upTo: number }>>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * What this device learned from the log about each conversation beyond its
 * messages: the topic, and every member's read marker. Kept as one sealed
 * record so both survive restarts; saves are serialised (the last one wins).
 */
export class ConversationMeta {
  private data: Stored = { v: 1, topics: {}, receipts: {} };
  private saving: Promise<void> = Promise.resolve();

  constructor(private readonly store: ClientStore) {}

  /** Reads the stored record (missing or unreadable: nothing known). */
  async load(): Promise<void> {
    try {
      const bytes = await this.store.loadRecord(CONVERSATION_META_RECORD);
      if (bytes === null) return;
      const parsed = JSON.parse(decoder.decode(bytes)) as Partial<Stored>;
      if (parsed.v === 1 && typeof parsed.topics === 'object' && typeof parsed.receipts === 'object') {
        this.data = { v: 1, topics: parsed.topics ?? {}, receipts: parsed.receipts ?? {} };
      }
    } catch {
      // an unreadable record only loses topics and read markers until the next ones arrive
    }
  }

  /** The room's topic (undefined: none set, or cleared). */
  topic(conversationId: ConversationId): Topic | undefined {
    const t = this.data.topics[conversationId];
    return t === undefined || t.topic === '' ? undefined : t;
  }

  /** Records a topic entry; false when an entry with a higher seq is already known. */
  setTopic(conversationId: ConversationId, topic: Topic): boolean {
    const known = this.data.topics[conversationId];
    if (known !== undefined && known.seq >= topic.seq) return false;
    this.data.topics[conversationId] = topic;
    this.save();
    return true;
  }

  /** Every member's read marker in a conversation (highest first). */
  markers(conversationId: ConversationId): ReadMarker[] {
    const byUser = this.data.receipts[conversationId] ?? {};
    return Object.entries(byUser)
      .map(([userId, m]) => ({ userId: userId as UserId, username: m.username, upTo: m.upTo }))
      .sort((a, b) => b.upTo - a.upTo);
  }

  /** How far `userId` has read a conversation (0: no marker). */
  markerOf(conversationId: ConversationId, userId: UserId): number {
    return this.data.receipts[conversationId]?.[userId]?.upTo ?? 0;
  }

  /** Moves a member's read marker forward (never back); false when it did not move. */
  setMarker(conversationId: ConversationId, marker: ReadMarker): boolean {
    const byUser = (this.data.receipts[conversationId] ??= {});
    const known = byUser[marker.userId];
    if (known !== undefined && known.upTo >= marker.upTo) return false;
    byUser[marker.userId] = { username: marker.username, upTo: marker.upTo };
    this.save();
    return true;
  }

  /** Forgets a conversation this user left. */
  forget(conversationId: ConversationId): void {
    delete this.data.topics[conversationId];
    delete this.data.receipts[conversationId];
    this.save();
  }

  /** Resolves when the saves queued so far are stored. */
  flush(): Promise<void> {
    return this.saving;
  }

  private save(): void {
    const bytes = encoder.encode(JSON.stringify(this.data));
    this.saving = this.saving.then(() => this.store.saveRecord(CONVERSATION_META_RECORD, bytes)).catch(() => undefined);
  }
}
