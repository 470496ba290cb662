import type { ContentInput, DecodedContent } from '@conclave/protocol';
import type { HistoryEntry } from '../store/store.js';

/** The fields of a history entry that describe its content (see `HistoryEntry.kind`). */
export type ContentFields = Pick<
  HistoryEntry,
  'text' | 'kind' | 'replyTo' | 'mentions' | 'emote' | 'target' | 'emoji' | 'op' | 'topic' | 'named' | 'file'
>;

/**
 * The history fields of a logged content; null for kinds that are not kept in
 * the history (`receipt`, `typing`: they update read markers and the typing line).
 */
export function entryFields(content: DecodedContent | ContentInput): ContentFields | null {
  switch (content.kind) {
    case 'text':
      return {
        text: content.text,
        kind: 'text',
        ...(content.replyTo !== undefined && { replyTo: content.replyTo }),
        ...(content.mentions !== undefined && content.mentions.length > 0 && { mentions: content.mentions }),
        ...(content.emote === true && { emote: true as const }),
      };
    case 'reaction':
      return { text: '', kind: 'reaction', target: content.target, emoji: content.emoji, op: content.op };
    case 'edit':
      return {
        text: content.text,
        kind: 'edit',
        target: content.target,
        ...(content.mentions !== undefined && content.mentions.length > 0 && { mentions: content.mentions }),
      };
    case 'delete':
      return { text: '', kind: 'delete', target: content.target };
    case 'topic':
      return { text: '', kind: 'topic', topic: content.topic };
    case 'file': {
      const { blob, key, name, mime, size, image } = content;
      return {
        text: content.caption ?? '',
        kind: 'file',
        file: { blob, key, name, mime, size, ...(image !== undefined && { image }) },
        ...(content.replyTo !== undefined && { replyTo: content.replyTo }),
      };
    }
    case 'unsupported':
      return { text: '', kind: 'unsupported', ...(content.named !== undefined && { named: content.named }) };
    case 'receipt':
    case 'typing':
      return null;
  }
}

/** True for an entry that is a message of its own (text, file or unsupported), not an act on another one. */
export function isMessageEntry(entry: Pick<HistoryEntry, 'kind'>): boolean {
  return entry.kind === undefined || entry.kind === 'text' || entry.kind === 'file' || entry.kind === 'unsupported';
}

/** The content a kept entry was made from (the inverse of `entryFields`), e.g. to show our own message's echo. */
export function contentOfEntry(entry: HistoryEntry): DecodedContent {
  const v = 1 as const;
  switch (entry.kind) {
    case undefined:
    case 'text':
      return {
        v,
        kind: 'text',
        text: entry.text,
        ...(entry.replyTo !== undefined && { replyTo: entry.replyTo }),
        ...(entry.mentions !== undefined && { mentions: entry.mentions }),
        ...(entry.emote === true && { emote: true as const }),
      };
    case 'reaction':
      return { v, kind: 'reaction', target: entry.target ?? 0, emoji: entry.emoji ?? '', op: entry.op ?? 'add' };
    case 'edit':
      return { v, kind: 'edit', target: entry.target ?? 0, text: entry.text, ...(entry.mentions !== undefined && { mentions: entry.mentions }) };
    case 'delete':
      return { v, kind: 'delete', target: entry.target ?? 0 };
    case 'topic':
      return { v, kind: 'topic', topic: entry.topic ?? '' };
    case 'file': {
      const f = entry.file;
      if (f === undefined) return { kind: 'unsupported', named: 'file' }; // redacted (deleted by its author)
      return {
        v,
        kind: 'file',
        ...f,
        ...(entry.text !== '' && { caption: entry.text }),
        ...(entry.replyTo !== undefined && { replyTo: entry.replyTo }),
      };
    }
    case 'unsupported':
      return { kind: 'unsupported', ...(entry.named !== undefined && { named: entry.named }) };
  }
}
