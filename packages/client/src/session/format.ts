import type { ConversationInfo } from '@conclave/protocol';

/** `HH:MM` in local time (`ms`: ms since the Unix epoch). */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** `YYYY-MM-DD` in local time (`ms`: ms since the Unix epoch). */
export function formatDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** The tag shown before a message from a device that is not (or no longer) trusted (see `HistoryEntry.trust`). */
export function trustTag(trust: 'new-device' | 'changed-key'): string {
  return trust === 'changed-key' ? '[KEY CHANGED]' : '[new device]';
}

/** How a conversation is named to the user: `#room`, or `@peer` for a DM; `fallback` when unknown. */
export function conversationLabel(c: Pick<ConversationInfo, 'kind' | 'name'> | undefined, fallback = '?'): string {
  if (c === undefined) return fallback;
  return c.kind === 'dm' ? `@${c.name.replace(/^@/, '')}` : c.name;
}

/** Strips control characters (terminal escapes from a hostile sender) except tabs, shown as spaces; newlines stay. */
export function sanitize(text: string): string {
  return text.replace(/\t/g, '  ').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '');
}
