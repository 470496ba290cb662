import { createContext, useContext } from 'react';
import { parseMessageText, plainText, UNPLACED_SEQ, type ChatModel, type MessageItem } from '@conclave/client';

/** The reactions offered with one click, in this order (the toolbar and the phone's action sheet). */
export const QUICK_REACTIONS = ['👍', '❤️', '😂', '🎉', '😮', '😢'] as const;

/**
 * What the message list lets the user do with a message. Provided once by the
 * chat screen (a stable object: rows re-render only when their item changes).
 */
export interface MessageActions {
  /** Phone layout: actions open in a sheet (tap or long-press), not a hover toolbar. */
  phone: boolean;
  /** Starts a reply to the message in the composer. */
  reply: (item: MessageItem) => void;
  /** Toggles this user's reaction `emoji` on the message `key`. */
  react: (key: string, emoji: string) => void;
  /** Opens the full emoji picker for the message `key`, next to `anchor` (the button used). */
  pick: (key: string, anchor: HTMLElement | null) => void;
  /** Starts editing one of this user's messages in the composer. */
  edit: (item: MessageItem) => void;
  /** Asks whether to delete one of this user's messages. */
  remove: (item: MessageItem) => void;
  /** Scrolls to (and flashes) the message `key` of the conversation on screen: a reply's original. */
  jump: (key: string) => void;
  /** Phone: opens the action sheet of a message. */
  menu: (item: MessageItem) => void;
  /** Decrypts the file of the message `key`, streaming its plaintext to `write` (`ChatModel.downloadFile`). */
  fetchFile: ChatModel['downloadFile'];
  /** Stops sending one of this user's files: its pending message goes (`ChatModel.cancelTransfer`). */
  cancelTransfer: (key: string) => void;
  /** Opens an image message in the lightbox. */
  view: (item: MessageItem) => void;
}

export const MessageActionsContext = createContext<MessageActions | null>(null);

/** The message actions of the chat screen. @throws Error outside a provider (a programming error). */
export function useMessageActions(): MessageActions {
  const actions = useContext(MessageActionsContext);
  if (actions === null) throw new Error('useMessageActions outside MessageActionsContext');
  return actions;
}

/** Whether a message can be acted on: the server placed it (it has a seq others can refer to) and it is not deleted. */
export function actionable(item: MessageItem): boolean {
  return item.seq !== UNPLACED_SEQ && item.status === undefined && item.deleted !== true;
}

/** Whether this user may edit the message (their own, placed, not deleted, not of a kind this version cannot show). */
export function editable(item: MessageItem): boolean {
  return item.mine && actionable(item) && item.unsupported !== true;
}

/** "👍 2: alice, bob": a reaction chip's accessible name (and its tooltip's content). */
export function reactionLabel(emoji: string, users: readonly string[]): string {
  return `${emoji} ${users.length}: ${users.join(', ')}`;
}

/** "Seen by bob, carol and 2 others": at most three names. */
export function seenText(names: readonly string[]): string {
  if (names.length <= 3) return `Seen by ${names.join(', ')}`;
  const rest = names.length - 2;
  return `Seen by ${names.slice(0, 2).join(', ')} and ${rest} others`;
}

/** The first line of a message's text without its Markdown (`**build**` → `build`), cut to `max` characters. */
export function previewText(text: string, max = 120): string {
  const first = text.split('\n').find((line) => line.trim() !== '') ?? '';
  const plain = (plainText(parseMessageText(first)).split('\n')[0] ?? '').trim();
  return plain.length > max ? `${plain.slice(0, max - 1)}…` : plain;
}
