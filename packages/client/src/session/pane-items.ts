import type { ConversationId, UserId } from '@conclave/protocol';
import type { ChatNotice } from '../types.js';
import type { FileAttachment, HistoryEntry } from '../store/store.js';
import { sanitize } from './format.js';
import type { SecurityLevel } from './trust-text.js';

/** One entry of the message pane. Times are ms since the Unix epoch. */
export type PaneItem =
  /**
   * A member message. `trust`: the sending device is unverified and new, or changed its key (shown as
   * a tag). `status`: only on your own messages not acknowledged by the server yet — `pending` (typed
   * while offline or while the conversation is being set up; it is sent when it can be) or `failed`
   * (refused for good: `error` says why; `ChatModel.retry` / `discard` act on it). `seq` is
   * `Number.MAX_SAFE_INTEGER` until the server has given it a place in the log.
   */
  | {
      kind: 'message';
      key: string;
      seq: number;
      at: number;
      sender: string;
      text: string;
      mine: boolean;
      trust?: 'new-device' | 'changed-key';
      status?: 'pending' | 'failed';
      error?: string;
      /** The message it answers: `sender`/`text` (the start of it) when that message is on this device. */
      replyTo?: ReplyQuote;
      /** Reactions, each emoji once with who chose it (in the order first chosen). */
      reactions?: readonly Reaction[];
      /** Its author changed the text. */
      edited?: true;
      /** Its author deleted it: `text` is empty (show "message deleted"). */
      deleted?: true;
      /** An action (`/me waves`): show as "* alice waves". */
      emote?: true;
      /** It mentions this user (highlight it). */
      mentionsMe?: true;
      /** A kind of message this version cannot show (from a newer client): `text` says so. */
      unsupported?: true;
      /** A file or image (`text` is its caption): fetch and open it with `ChatModel.downloadFile`. */
      file?: FileView;
      /** Your own file while it is encrypted, uploaded and announced (with `status` `pending`). */
      transfer?: TransferProgress;
    }
  /**
   * A server notice. `notice`: its kind (`login`, `broadcast`, …). `emphasis`: an admin's or the
   * server's own (shown apart), then split as `title` ("Announcement from alice", "Server") and
   * `body`; `text` is both as one line. `from`: the admin who sent a broadcast or direct notice.
   */
  | {
      kind: 'notice';
      key: string;
      at: number;
      text: string;
      notice: ChatNotice['kind'];
      emphasis?: boolean;
      title?: string;
      body?: string;
      from?: string;
    }
  /** `strong`: text to be read exactly (a safety number). */
  | { kind: 'system'; key: string; at: number; text: string; tone: 'info' | 'error' | 'ok'; strong?: boolean }
  /** A key or device warning from the client core (see `SecurityEvent`). */
  | { kind: 'security'; key: string; at: number; text: string; level: SecurityLevel };

/** A pane's message item. */
export type MessageItem = Extract<PaneItem, { kind: 'message' }>;

/**
 * A file message as a UI shows it: `name`, `mime` (as the sender gave them:
 * never trust it to render active content), `size` in bytes; images with
 * their `width`/`height` in pixels and a base64 `thumbnail` (JPEG or PNG).
 * `attachment` is what `downloadFile` needs (it holds the key: never log it).
 * Sizes are bytes; `formatBytes` writes them for people.
 */
export interface FileView {
  name: string;
  mime: string;
  size: number;
  image?: FileAttachment['image'];
  /** Absent while your own file is still being sent. */
  attachment?: FileAttachment;
}

/** Bytes for people, in SI units as file managers show them: `980 B`, `12.3 kB`, `1.2 MB`, `3.4 GB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 999.95 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value < 100 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** How far an upload is: `stage` (encrypting, uploading, sending the message), bytes of ciphertext done of the total. */
export interface TransferProgress {
  stage: 'encrypting' | 'uploading' | 'sending';
  doneBytes: number;
  totalBytes: number;
}

/** The view of a file attachment. */
export function fileView(file: FileAttachment): FileView {
  return { name: sanitize(file.name), mime: file.mime, size: file.size, ...(file.image !== undefined && { image: file.image }), attachment: file };
}

/** The message a reply answers, as shown above the reply. `key`: its pane item (to jump to). */
export interface ReplyQuote {
  seq: number;
  key: string;
  /** Unknown when the original is not on this device (sent before it joined, or scrolled out of its history). */
  sender?: string;
  /** Its text without markup, on one line, cut to 120 characters; empty when deleted. */
  text?: string;
  deleted?: true;
}

/** One emoji's reactions on a message. */
export interface Reaction {
  emoji: string;
  /** Who reacted with it, by name. */
  users: readonly string[];
  /** This user is one of them (clicking it takes the reaction back). */
  mine: boolean;
}

/** The seq a message has before the server placed it in the log: after everything. */
export const UNPLACED_SEQ = Number.MAX_SAFE_INTEGER;

/**
 * The server acknowledged your pending message `key` (a text or a file): it
 * becomes the message at its seq, with `change` applied, unless its echo is in
 * a pane already (then the pending copy goes). `shown`: the `conversationId:seq`
 * of every message put in a pane.
 */
export function placePending(panes: Panes, shown: Set<string>, key: string, receipt: { conversationId: ConversationId; seq: number; sentAt: number }, change: Partial<MessageItem> = {}): void {
  const found = panes.locate(key);
  if (found?.item.kind !== 'message') return;
  const placedKey = messageKey(receipt);
  if (shown.has(placedKey)) {
    panes.replace(key, null);
    return;
  }
  shown.add(placedKey);
  const { status: _s, error: _e, transfer: _t, ...rest } = found.item;
  panes.replace(key, { ...rest, ...change, key: placedKey, seq: receipt.seq, at: receipt.sentAt });
}

/** Your own message `key` as shown before the server acknowledged it: `pending`, after everything, `text` sanitised. */
export function pendingItem(key: string, sender: string | undefined, text: string): MessageItem {
  return { kind: 'message', key, seq: UNPLACED_SEQ, at: Date.now(), sender: sender ?? 'you', text: sanitize(text), mine: true, status: 'pending' };
}

/** Pane key for lines shown before any conversation exists. */
export const NO_CONVERSATION = '\0none' as ConversationId;

/** Entries kept per pane (older ones scroll out of memory). */
const MAX_ITEMS = 2_000;

/** Identifies a message across history and live events: `conversationId:seq`. */
export function messageKey(m: { conversationId: ConversationId; seq: number }): string {
  return `${m.conversationId}:${m.seq}`;
}

/** The text an unsupported message shows. */
export const UNSUPPORTED_TEXT = 'Unsupported message: it was sent by a newer version of Conclave. Update to see it.';

/**
 * A message (live or from the local history) as a pane item; `me` marks the
 * ones that mention this user. Replies get their quote from `fold`.
 */
export function messageItem(m: HistoryEntry, me?: UserId): MessageItem {
  const unsupported = m.kind === 'unsupported';
  return {
    kind: 'message',
    key: messageKey(m),
    seq: m.seq,
    at: m.sentAt,
    sender: m.sender.username,
    text: unsupported ? UNSUPPORTED_TEXT : sanitize(m.text),
    mine: m.mine,
    ...(m.trust !== undefined && { trust: m.trust }),
    ...(m.emote === true && { emote: true as const }),
    ...(m.deleted === true && { deleted: true as const }),
    ...(unsupported && { unsupported: true as const }),
    ...(m.file !== undefined && m.deleted !== true && { file: fileView(m.file) }),
    ...(me !== undefined && !m.mine && m.mentions?.includes(me) === true && { mentionsMe: true as const }),
  };
}

/**
 * Inserts history messages (`incoming`, ascending seq) into a pane: each
 * before the first message with a higher seq; those older than every message
 * there go first, above this session's notices (they are from earlier runs).
 */
export function mergeHistory(items: readonly PaneItem[], incoming: readonly PaneItem[]): PaneItem[] {
  const out: PaneItem[] = [];
  let i = 0;
  const takeBelow = (seq: number): void => {
    for (let next = incoming[i]; next !== undefined && next.kind === 'message' && next.seq < seq; next = incoming[++i]) out.push(next);
  };
  const first = items.find((item) => item.kind === 'message');
  takeBelow(first?.kind === 'message' ? first.seq : Number.POSITIVE_INFINITY);
  for (const item of items) {
    if (item.kind === 'message') takeBelow(item.seq);
    out.push(item);
  }
  out.push(...incoming.slice(i));
  return out;
}

/**
 * The panes' contents by pane key (a conversation id, or the placeholder key
 * of a conversation still being set up). Keeps at most 2 000 items a pane.
 */
export class Panes {
  private readonly items = new Map<ConversationId, PaneItem[]>();
  /** Panes moved to another (a conversation that finished setting up): lines for the old key go to the new one. */
  private readonly forward = new Map<ConversationId, ConversationId>();

  /** The key a pane has now (following moves). */
  private resolve(key: ConversationId): ConversationId {
    for (let next = this.forward.get(key); next !== undefined; next = this.forward.get(key)) key = next;
    return key;
  }

  /** The items of a pane (empty when it has none). */
  get(key: ConversationId): readonly PaneItem[] {
    return this.items.get(this.resolve(key)) ?? [];
  }

  /** Appends an item. */
  push(key: ConversationId, item: PaneItem): void {
    const to = this.resolve(key);
    let list = this.items.get(to);
    if (list === undefined) this.items.set(to, (list = []));
    list.push(item);
    if (list.length > MAX_ITEMS) list.splice(0, list.length - MAX_ITEMS);
  }

  /** Replaces a pane's items (e.g. after merging history). */
  set(key: ConversationId, items: PaneItem[]): void {
    this.items.set(this.resolve(key), items.slice(-MAX_ITEMS));
  }

  /**
   * Moves every item of pane `from` to the end of pane `to` (a conversation
   * that finished setting up); lines pushed to `from` later (the output of a
   * command typed while it was set up) go to `to` as well.
   */
  move(from: ConversationId, to: ConversationId): void {
    if (from !== to) this.forward.set(from, to);
    const moved = this.items.get(from);
    if (moved === undefined) return;
    this.items.delete(from);
    for (const item of moved) this.push(to, item);
  }

  /** Finds an item by key: its pane and index, or undefined. */
  locate(key: string): { pane: ConversationId; index: number; item: PaneItem } | undefined {
    for (const [pane, list] of this.items) {
      const index = list.findIndex((i) => i.key === key);
      if (index >= 0) return { pane, index, item: list[index] as PaneItem };
    }
    return undefined;
  }

  /** Replaces the item with key `key` by `next` (or removes it when `next` is null); false when not found. */
  replace(key: string, next: PaneItem | null): boolean {
    const found = this.locate(key);
    if (found === undefined) return false;
    const list = this.items.get(found.pane) as PaneItem[];
    if (next === null) list.splice(found.index, 1);
    else list[found.index] = next;
    return true;
  }
}
