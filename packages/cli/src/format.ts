import { conversationLabel, formatTime, sanitize, trustTag, type ChatMessage } from '@conclave/client';
import { fileTag } from './files/describe.js';

/**
 * What a `read` line is about: a `message` (a text, an action, or a kind this
 * version cannot show), a `file` (or image), a `reaction`, `edit` or `delete`
 * of message `target`, or a `notice` about the conversation (a topic set or cleared).
 */
export type ReadKind = 'message' | 'file' | 'reaction' | 'edit' | 'delete' | 'notice';

/** The `ReadKind` of a history entry. */
export function readKind(m: Pick<ChatMessage, 'kind'>): ReadKind {
  switch (m.kind) {
    case undefined:
    case 'text':
    case 'unsupported':
      return 'message';
    case 'file':
    case 'reaction':
    case 'edit':
    case 'delete':
      return m.kind;
    case 'topic':
      return 'notice';
  }
}

/** Where `read --download-dir` saved a file, and the SHA-256 (hex) of its bytes. */
export interface SavedFile {
  path: string;
  sha256: string;
}

/** A text on one line set apart: control characters gone, the lines of a multi-line text indented. */
function shown(text: string): string {
  return sanitize(text).replace(/\r?\n/g, '\n    ');
}

/** What the line says after `[#room] N HH:MM ` (`saved`: where a file went). */
function readBody(m: ChatMessage, saved?: SavedFile): string {
  const who = m.sender.username;
  const target = m.target ?? '?';
  switch (m.kind) {
    case 'reaction':
      return m.op === 'remove' ? `${who} took back ${sanitize(m.emoji ?? '')} on ${target}` : `${who} reacted ${sanitize(m.emoji ?? '')} to ${target}`;
    case 'edit':
      return `${who}: (edited ${target}) ${shown(m.text)}`;
    case 'delete':
      return `${who} deleted ${target}`;
    case 'topic': {
      const topic = sanitize(m.topic ?? '').trim();
      return topic === '' ? `${who} cleared the topic` : `${who} set the topic: ${topic}`;
    }
    case 'unsupported':
      return `${who}: [unsupported message: sent by a newer version of Conclave]`;
    case 'file': {
      const tag = m.trust === undefined ? '' : `${trustTag(m.trust)} `;
      const reply = m.replyTo === undefined ? '' : `↳ ${m.replyTo} `;
      if (m.deleted === true || m.file === undefined) return `${who}: ${reply}(message deleted)`;
      const caption = m.text === '' ? '' : ` ${shown(m.text)}`;
      const where = saved === undefined ? '' : ` (saved to ${saved.path})`;
      return `${who}: ${reply}${tag}${fileTag(m.file)}${caption}${where}`;
    }
    case undefined:
    case 'text': {
      const tag = m.trust === undefined ? '' : `${trustTag(m.trust)} `;
      const reply = m.replyTo === undefined ? '' : `↳ ${m.replyTo} `;
      const text = m.deleted === true ? '(message deleted)' : shown(m.text);
      return m.emote === true ? `* ${who} ${reply}${tag}${text}` : `${who}: ${reply}${tag}${text}`;
    }
  }
}

/**
 * One `read` line: `[#general] 12 12:03 alice: hi` (12: the message's number,
 * for `send --reply-to/--react/--edit/--delete`), with a trust tag before the
 * text when the sending device is not trusted (`alice: [new device] hi`) and
 * `↳ 9` before a reply's text; acts on a message name its number:
 * `alice reacted 👍 to 12`, `alice: (edited 12) new text`, `alice deleted 12`.
 * A file: `alice: [file: report.pdf, 1.2 MB] caption` (`fileTag`), then
 * `(saved to PATH)` when `saved`. Lines of a multi-line text are indented.
 */
export function formatReadLine(m: ChatMessage, saved?: SavedFile): string {
  const label = conversationLabel(m.conversation, m.conversationId);
  return `[${label}] ${m.seq} ${formatTime(m.sentAt)} ${readBody(m, saved)}`;
}

/**
 * One `read --json` line: `kind`, `conversation`, `conversationId`, `seq`,
 * `sender`, `sentAt`, then by kind — message: `text`, `replyTo` (a seq or
 * null), `mentions` (`mentions` given: usernames; else the user ids), `emote`,
 * and `unsupported`/`deleted` when true; file: `name` (as the sender gave it),
 * `mime`, `size` (bytes), `image` (`{width, height}` in pixels) for an image,
 * `caption` when there is one, `replyTo`, and with `saved` (`--download-dir`)
 * `sha256` (hex, of the bytes saved) and `path`; a deleted file: `deleted`
 * only; reaction: `target`, `emoji`, `op`; edit: `target`, `text`,
 * `mentions`; delete: `target`; notice: `text` and `topic`. `trust` only when set.
 */
export function formatReadJson(m: ChatMessage, mentions?: readonly string[], saved?: SavedFile): string {
  const kind = readKind(m);
  const common = {
    kind,
    conversation: conversationLabel(m.conversation, m.conversationId),
    conversationId: m.conversationId,
    seq: m.seq,
    sender: m.sender.username,
    sentAt: m.sentAt,
  };
  const trust = m.trust === undefined ? {} : { trust: m.trust };
  switch (kind) {
    case 'message':
      return JSON.stringify({
        ...common,
        text: m.kind === 'unsupported' ? '' : m.text,
        replyTo: m.replyTo ?? null,
        mentions: mentions ?? m.mentions ?? [],
        emote: m.emote === true,
        ...(m.kind === 'unsupported' && { unsupported: true }),
        ...(m.deleted === true && { deleted: true }),
        ...trust,
      });
    case 'file': {
      const f = m.file;
      if (m.deleted === true || f === undefined) return JSON.stringify({ ...common, deleted: true, ...trust });
      return JSON.stringify({
        ...common,
        name: f.name,
        mime: f.mime,
        size: f.size,
        ...(f.image !== undefined && { image: { width: f.image.width, height: f.image.height } }),
        ...(m.text !== '' && { caption: m.text }),
        replyTo: m.replyTo ?? null,
        ...(saved !== undefined && { sha256: saved.sha256, path: saved.path }),
        ...trust,
      });
    }
    case 'reaction':
      return JSON.stringify({ ...common, target: m.target, emoji: m.emoji, op: m.op ?? 'add', ...trust });
    case 'edit':
      return JSON.stringify({ ...common, target: m.target, text: m.text, mentions: mentions ?? m.mentions ?? [], ...trust });
    case 'delete':
      return JSON.stringify({ ...common, target: m.target, ...trust });
    case 'notice':
      return JSON.stringify({ ...common, text: readBody(m), topic: m.topic ?? '', ...trust });
  }
}
