import { conversationLabel, formatTime, sanitize, trustTag, type ChatMessage } from '@conclave/client';

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
