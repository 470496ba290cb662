import type { ChatMessage } from '@conclave/client';
import type { ConversationInfo } from '@conclave/protocol';

/** `HH:MM` in local time. */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** `YYYY-MM-DD` in local time. */
export function formatDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** The tag shown before a message from a device that is not (or no longer) trusted (see `ChatMessage.trust`). */
export function trustTag(trust: 'new-device' | 'changed-key'): string {
  return trust === 'changed-key' ? '[KEY CHANGED]' : '[new device]';
}

/** How a conversation is named to the user: `#room`, or `@peer` for a DM. */
export function conversationLabel(c: Pick<ConversationInfo, 'kind' | 'name'> | undefined, fallback = '?'): string {
  if (c === undefined) return fallback;
  return c.kind === 'dm' ? `@${c.name.replace(/^@/, '')}` : c.name;
}

/** Strips control characters (terminal escapes from a hostile sender) except tabs, shown as spaces. */
export function sanitize(text: string): string {
  return text.replace(/\t/g, '  ').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '');
}

/**
 * One `read` line: `[#general] 12:03 alice: hi`, with a trust tag before the
 * text when the sending device is not trusted (`alice: [new device] hi`);
 * lines of a multi-line text are indented.
 */
export function formatReadLine(m: ChatMessage): string {
  const label = conversationLabel(m.conversation, m.conversationId);
  const text = sanitize(m.text).replace(/\r?\n/g, '\n    ');
  const tag = m.trust === undefined ? '' : `${trustTag(m.trust)} `;
  return `[${label}] ${formatTime(m.sentAt)} ${m.sender.username}: ${tag}${text}`;
}

/** One `read --json` line (`trust` only when set). */
export function formatReadJson(m: ChatMessage): string {
  return JSON.stringify({
    conversation: conversationLabel(m.conversation, m.conversationId),
    conversationId: m.conversationId,
    seq: m.seq,
    sender: m.sender.username,
    sentAt: m.sentAt,
    text: m.text,
    ...(m.trust !== undefined && { trust: m.trust }),
  });
}
