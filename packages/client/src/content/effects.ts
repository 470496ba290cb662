import type { ContentInput, ConversationId, DecodedContent } from '@conclave/protocol';
import type { ClientStore, HistoryEntry } from '../store/store.js';
import type { SecurityEvent } from '../types.js';
import type { ConversationMeta } from './conversation-meta.js';
import { entryFields, isMessageEntry, type ContentFields } from './entries.js';
import type { TypingBook } from './typing.js';

/** History entries searched for the target of an edit or delete (they act on recent messages). */
export const TARGET_WINDOW = 1_000;

/** A decrypted application message before its content is looked at: who sent it (MLS-authenticated) and where it is in the log. */
export type Arrival = Omit<HistoryEntry, keyof ContentFields | 'deleted'>;

/** What the content handler acts on. */
export interface ContentEffectsDeps {
  store: ClientStore;
  /** Entries kept (or erased: a deletion) for the search index. */
  indexed(entries: readonly HistoryEntry[]): void;
  meta: ConversationMeta;
  typing: TypingBook;
  /** Shows a history entry (exactly once, in seq order; counted unread when it is a message from someone else). */
  deliver(entry: HistoryEntry): void;
  /** A warning for the user (a forged edit or delete). */
  security(event: SecurityEvent): void;
  /** A member's read marker moved. */
  markerMoved(conversationId: ConversationId): void;
  /** A room's topic changed. */
  topicChanged(conversationId: ConversationId): void;
}

/**
 * Acts on the inner content of each decrypted application message, in log
 * order: keeps messages, reactions, edits, deletions and topics in the local
 * history and shows them; moves read markers; updates who is typing.
 *
 * Authorisation is here, on the receiving device, from the MLS-authenticated
 * sender alone: an `edit` or `delete` is applied only when its sender is the
 * user who wrote the target message; otherwise it is dropped with a warning.
 * A deletion erases the target's text and its edits' texts from the store.
 */
export class ContentEffects {
  constructor(private readonly deps: ContentEffectsDeps) {}

  /** A logged message (a member's, or the echo of one of ours). Resolves once stored. */
  async apply(arrival: Arrival, content: DecodedContent): Promise<void> {
    const { conversationId: id, sender } = arrival;
    switch (content.kind) {
      case 'typing':
        return this.ephemeral(arrival, content);
      case 'receipt':
        if (!arrival.mine && this.deps.meta.setMarker(id, { userId: sender.userId, username: sender.username, upTo: Math.min(content.upTo, arrival.seq) })) {
          this.deps.markerMoved(id);
        }
        return;
      default: {
        const entry = await this.keep(arrival, content);
        if (entry === null) return;
        if (entry.kind === 'text' || entry.kind === 'unsupported') this.deps.typing.stop(id, sender.userId);
        if (entry.kind === 'topic') this.topic(entry);
        this.deps.deliver(entry);
      }
    }
  }

  /**
   * Stores one of our own contents at its acknowledgement (before the log's
   * echo, so a run that exits on the ack keeps it) and applies what it does
   * to the store (a deletion erases its target). Shown on the echo.
   */
  async keepOwn(arrival: Arrival, content: DecodedContent | ContentInput): Promise<void> {
    const entry = await this.keep(arrival, content);
    if (entry?.kind === 'topic') this.topic(entry);
  }

  /** An ephemeral message (never logged): only `typing` is acted on. */
  ephemeral(arrival: Pick<Arrival, 'conversationId' | 'sender' | 'mine'>, content: DecodedContent): void {
    if (content.kind !== 'typing' || arrival.mine) return;
    const { conversationId, sender } = arrival;
    if (content.state === 'start') this.deps.typing.start(conversationId, sender.userId, sender.username);
    else this.deps.typing.stop(conversationId, sender.userId);
  }

  /** Authorises and stores a history entry; null when it is not kept (a forged or dangling edit/delete, or a kind not kept). */
  private async keep(arrival: Arrival, content: DecodedContent | ContentInput): Promise<HistoryEntry | null> {
    const fields = entryFields(content);
    if (fields === null) return null;
    const entry: HistoryEntry = { ...arrival, ...fields };
    if (entry.kind === 'edit' || entry.kind === 'delete') {
      const recent = await this.deps.store.loadHistory(entry.conversationId, TARGET_WINDOW);
      const target = recent.find((e) => e.seq === entry.target);
      if (target === undefined || target.seq >= entry.seq || !isMessageEntry(target)) return null; // nothing here to act on
      if (target.sender.userId !== entry.sender.userId) {
        this.forged(entry, target);
        return null;
      }
      if (target.deleted === true && entry.kind === 'edit') return null;
      if (entry.kind === 'delete') {
        const edits = recent.filter((e) => e.kind === 'edit' && e.target === target.seq).map((e) => e.seq);
        await this.deps.store.redactHistory(entry.conversationId, [target.seq, ...edits]);
      }
    }
    await this.deps.store.appendHistory([entry]);
    this.deps.indexed([entry]);
    return entry;
  }

  private topic(entry: HistoryEntry): void {
    const changed = this.deps.meta.setTopic(entry.conversationId, { topic: entry.topic ?? '', by: entry.sender.username, seq: entry.seq });
    if (changed) this.deps.topicChanged(entry.conversationId);
  }

  private forged(entry: HistoryEntry, target: HistoryEntry): void {
    const act = entry.kind === 'edit' ? 'edit' : 'delete';
    this.deps.security({
      conversationId: entry.conversationId,
      kind: 'forged-edit',
      userId: entry.sender.userId,
      username: entry.sender.username,
      deviceId: entry.sender.deviceId,
      text: `${entry.sender.username} tried to ${act} a message by ${target.sender.username}; ignored (only its author can).`,
    });
  }
}
