import type { ConversationId, UserId } from '@conclave/protocol';
import { isMessageEntry } from '../content/entries.js';
import type { HistoryEntry } from '../store/store.js';
import { sanitize } from './format.js';
import { parseMessageText, plainText } from './markdown.js';
import { messageItem, messageKey, type MessageItem, type Panes, type Reaction, type ReplyQuote } from './pane-items.js';

/** Longest quote of the original shown above a reply, in characters. */
const QUOTE_CHARS = 120;

/** One user's latest reaction entry with one emoji on one message. */
interface ReactionVote {
  username: string;
  on: boolean;
  /** The seq of the entry that set it (a later entry wins). */
  seq: number;
}

/**
 * Folds the entries that act on messages (reactions, edits, deletions) into
 * the pane items of the messages they target, and gives replies the quote of
 * the message they answer. Entries are applied in any order and at most once
 * each: for one user, emoji and message the reaction entry with the highest
 * seq wins, and so does the latest edit. An entry whose target is not in a
 * pane (not on this device, or scrolled out) changes nothing.
 *
 * Edits and deletions reach here only when the client core authorised them
 * (their sender wrote the target: `ContentEffects`); this checks it again.
 */
export class MessageFold {
  /** By item key: emoji → user id → latest vote. */
  private readonly votes = new Map<string, Map<string, Map<string, ReactionVote>>>();
  /** By item key: the seq of the edit shown. */
  private readonly edits = new Map<string, number>();
  /** By item key: the author's user id (to check edits and deletions). */
  private readonly authors = new Map<string, string>();

  constructor(private readonly panes: Panes) {}

  /** The pane item of a message entry, with its reply quote and whether it mentions `me`. */
  item(entry: HistoryEntry, me: UserId | undefined): MessageItem {
    const item = messageItem(entry, me);
    this.authors.set(item.key, entry.sender.userId);
    if (entry.replyTo === undefined) return item;
    return { ...item, replyTo: this.quote(entry.conversationId, entry.replyTo) };
  }

  /** The quote of message `seq` of a conversation (as known now). */
  quote(conversationId: ConversationId, seq: number): ReplyQuote {
    const key = messageKey({ conversationId, seq });
    const found = this.panes.locate(key);
    if (found === undefined || found.item.kind !== 'message') return { seq, key };
    const original = found.item;
    if (original.deleted === true) return { seq, key, sender: original.sender, text: '', deleted: true };
    const words = plainText(parseMessageText(original.text)).replace(/\s+/g, ' ').trim();
    // A file is quoted by its name (and caption).
    const flat = original.file === undefined ? words : `📎 ${original.file.name}${words === '' ? '' : ` ${words}`}`;
    const text = flat.length > QUOTE_CHARS ? `${flat.slice(0, QUOTE_CHARS - 1)}…` : flat;
    return { seq, key, sender: original.sender, text };
  }

  /**
   * Applies a reaction, edit or deletion to the message it targets.
   * @returns true when a pane item changed
   */
  apply(entry: HistoryEntry, me: UserId | undefined): boolean {
    if (isMessageEntry(entry) || entry.target === undefined) return false;
    const key = messageKey({ conversationId: entry.conversationId, seq: entry.target });
    const found = this.panes.locate(key);
    if (found === undefined || found.item.kind !== 'message') return false;
    const item = found.item;
    switch (entry.kind) {
      case 'reaction':
        return this.react(item, entry, me);
      case 'edit': {
        if (!this.byAuthor(item, entry) || item.deleted === true || (this.edits.get(key) ?? 0) >= entry.seq) return false;
        this.edits.set(key, entry.seq);
        const mentionsMe = me !== undefined && !item.mine && entry.mentions?.includes(me) === true;
        const { mentionsMe: _was, ...rest } = item;
        this.replace({ ...rest, text: sanitize(entry.text), edited: true, ...(mentionsMe && { mentionsMe: true as const }) });
        this.refreshQuotes(entry.conversationId, key);
        return true;
      }
      case 'delete': {
        if (!this.byAuthor(item, entry) || item.deleted === true) return false;
        const { reactions: _r, edited: _e, mentionsMe: _m, file: _f, ...rest } = item;
        this.replace({ ...rest, text: '', deleted: true });
        this.refreshQuotes(entry.conversationId, key);
        return true;
      }
      default:
        return false;
    }
  }

  private react(item: MessageItem, entry: HistoryEntry, me: UserId | undefined): boolean {
    if (entry.emoji === undefined || item.deleted === true) return false;
    let byEmoji = this.votes.get(item.key);
    if (byEmoji === undefined) this.votes.set(item.key, (byEmoji = new Map<string, Map<string, ReactionVote>>()));
    let byUser = byEmoji.get(entry.emoji);
    if (byUser === undefined) byEmoji.set(entry.emoji, (byUser = new Map<string, ReactionVote>()));
    const known = byUser.get(entry.sender.userId);
    if (known !== undefined && known.seq >= entry.seq) return false;
    byUser.set(entry.sender.userId, { username: entry.sender.username, on: entry.op !== 'remove', seq: entry.seq });
    const reactions: Reaction[] = [];
    for (const [emoji, users] of byEmoji) {
      const on = [...users].filter(([, v]) => v.on).sort(([, a], [, b]) => a.seq - b.seq);
      if (on.length === 0) continue;
      reactions.push({ emoji, users: on.map(([, v]) => v.username), mine: me !== undefined && on.some(([userId]) => userId === me) });
    }
    const { reactions: _old, ...rest } = item;
    this.replace(reactions.length === 0 ? rest : { ...rest, reactions });
    return true;
  }

  /** True when the entry's (MLS-authenticated) sender wrote the message. */
  private byAuthor(item: MessageItem, entry: HistoryEntry): boolean {
    const author = this.authors.get(item.key);
    return author === undefined ? item.mine === entry.mine : author === entry.sender.userId;
  }

  private replace(item: MessageItem): void {
    this.panes.replace(item.key, item);
  }

  /** Every reply in a conversation's pane gets the quote of its original as the pane has it now (after a page of history came in). */
  requote(conversationId: ConversationId): void {
    for (const item of this.panes.get(conversationId)) {
      if (item.kind === 'message' && item.replyTo !== undefined) this.replace({ ...item, replyTo: this.quote(conversationId, item.replyTo.seq) });
    }
  }

  /** Replies quoting the message `key` show its new text. */
  private refreshQuotes(conversationId: ConversationId, key: string): void {
    for (const item of this.panes.get(conversationId)) {
      if (item.kind === 'message' && item.replyTo?.key === key) this.replace({ ...item, replyTo: this.quote(conversationId, item.replyTo.seq) });
    }
  }
}
