import type { PaneItem } from '@conclave/client';

/** Which kind of emphasised notice: an admin's broadcast, an admin's notice to this user alone, or the server's own. */
export type NoticeTone = 'announcement' | 'direct' | 'server';

/** An emphasised notice split for display: a title ("Announcement from alice", "Server") and the text. */
export interface NoticeParts {
  tone: NoticeTone;
  title: string;
  body: string;
}

/**
 * Splits an emphasised notice of the client core's `ChatModel` into a title
 * and its text. The model words them "Announcement from alice: …", "Notice
 * to you from alice: …", "Server: …", or as a sentence (a role change, "You
 * were removed from #room"), which becomes the body of a "Server" notice.
 */
export function noticeParts(item: Extract<PaneItem, { kind: 'notice' }>): NoticeParts {
  const from = item.from;
  if (from !== undefined) {
    const announcement = `Announcement from ${from}: `;
    if (item.text.startsWith(announcement)) return { tone: 'announcement', title: `Announcement from ${from}`, body: item.text.slice(announcement.length) };
    const direct = `Notice to you from ${from}: `;
    if (item.text.startsWith(direct)) return { tone: 'direct', title: `Notice to you from ${from}`, body: item.text.slice(direct.length) };
  }
  if (item.text.startsWith('Server: ')) return { tone: 'server', title: 'Server', body: item.text.slice('Server: '.length) };
  return { tone: 'server', title: 'Server', body: item.text };
}
