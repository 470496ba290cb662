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
 * The title and text of an emphasised notice of the client core's
 * `ChatModel` (which splits them), and its tone from the notice's kind.
 */
export function noticeParts(item: Extract<PaneItem, { kind: 'notice' }>): NoticeParts {
  const tone: NoticeTone = item.notice === 'broadcast' ? 'announcement' : item.notice === 'direct' ? 'direct' : 'server';
  return { tone, title: item.title ?? 'Server', body: item.body ?? item.text };
}
