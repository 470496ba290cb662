/**
 * The parts of a message item in the pane's text column: the quote above a
 * reply, the text (Markdown, an action, "message deleted", "(edited)"), the
 * reactions under it and the "seen by" line. Each part is a list of rows of
 * styled segments, every row at most `width` columns; `pane.ts` puts the
 * number, time and name in front.
 */
import { UNPLACED_SEQ, type MessageItem, type Reaction, type ReplyQuote } from '@conclave/client';
import { fileTag } from '../files/describe.js';
import { progressText } from '../files/progress.js';
import { nameColor, textWidth, truncate, wrap, type Segment } from './layout.js';
import { richTextLines } from './rich-text.js';

/** Rows of styled segments. */
export type Rows = Segment[][];

/** Marks a reply's quote line. */
export const QUOTE_MARK = '↳';
/** Shown instead of a deleted message's text. */
export const DELETED_TEXT = 'message deleted';
/** After the text of an edited message. */
export const EDITED_MARK = '(edited)';
/** Starts the line under a message naming who has read up to it. */
export const SEEN_PREFIX = 'seen by';

/** The width of `row`, in columns. */
export function rowWidth(row: readonly Segment[]): number {
  return row.reduce((w, s) => w + textWidth(s.text), 0);
}

/** The dim line above a reply: `↳ bob: start of the text…`, `↳ message deleted`, or `↳ message 12 (not on this device)`. */
export function quoteRow(quote: ReplyQuote, width: number): Segment[] {
  const mark: Segment = { text: `${QUOTE_MARK} `, dim: true };
  const room = Math.max(1, width - textWidth(mark.text));
  if (quote.sender === undefined) return [mark, { text: truncate(`message ${quote.seq} (not on this device)`, room), dim: true, italic: true }];
  if (quote.deleted === true) return [mark, { text: truncate(DELETED_TEXT, room), dim: true, italic: true }];
  const name = truncate(`${quote.sender}:`, room);
  // The core gives the quote as plain text on one line (`**done**` quotes as "done").
  const text = truncate(` ${quote.text ?? ''}`, Math.max(0, room - textWidth(name)));
  return [mark, { text: name, dim: true, bold: true }, { text, dim: true }];
}

/** Says how to stop an upload or download, after its progress. */
export const CANCEL_HINT = '/cancel stops it';

/**
 * The text of a message as rows: Markdown for texts (rich-text.ts; `style`
 * under every segment, dim for pending ones), `alice waves` for an action
 * (its name in the sender's color), a file as `[file 3: report.pdf, 1.2 MB]`
 * (`fileTag`) before its caption, a dim italic "message deleted", a dim
 * notice for a kind this version cannot show; " (edited)" dim at the end of
 * an edited one. `lead` (a trust tag, the pending mark) starts the first row.
 */
export function bodyRows(item: MessageItem, width: number, lead: Segment | null, style: Omit<Segment, 'text'> = {}): Rows {
  let rows: Rows;
  if (item.deleted === true) rows = withLead([[{ text: DELETED_TEXT, dim: true, italic: true }]], lead);
  else if (item.file !== undefined) rows = fileRows(item, item.file, width, lead, style);
  else if (item.unsupported === true) rows = withLead(wrap(item.text, width - (lead === null ? 0 : textWidth(lead.text))).map((text) => [{ text, dim: true, italic: true }]), lead);
  else if (item.emote === true) {
    const name: Segment = { text: `${item.sender} `, color: item.mine ? 'white' : nameColor(item.sender), bold: true, ...(style.dim === true && { dim: true }) };
    rows = withLead(richTextLines(item.text, Math.max(4, width - (lead === null ? 0 : textWidth(lead.text))), { base: { ...style, italic: true }, lead: name }), lead);
  } else rows = richTextLines(item.text, width, { base: style, lead });
  if (rows.length === 0) rows = [[]];
  if (item.edited === true && item.deleted !== true) {
    const mark: Segment = { text: ` ${EDITED_MARK}`, dim: true };
    const last = rows[rows.length - 1]!;
    if (rowWidth(last) + textWidth(mark.text) <= width) last.push(mark);
    else rows.push([{ text: EDITED_MARK, dim: true }]);
  }
  return rows;
}

/**
 * A file message: its tag (numbered once the server placed it, for
 * `/download N`) then the caption (Markdown) on the first row; while your
 * own file is being sent, a progress row under it (`progressText`).
 */
function fileRows(item: MessageItem, file: NonNullable<MessageItem['file']>, width: number, lead: Segment | null, style: Omit<Segment, 'text'>): Rows {
  const tag: Segment = { text: `${fileTag(file, item.seq === UNPLACED_SEQ ? undefined : item.seq)} `, color: 'cyan', bold: true, ...(style.dim === true && { dim: true }) };
  const room = Math.max(4, width - (lead === null ? 0 : textWidth(lead.text)));
  const rows = withLead(richTextLines(item.text, room, { base: style, lead: tag }), lead);
  const t = item.transfer;
  if (t !== undefined && item.status === 'pending') {
    const line = `${progressText(t.stage, file.name, t.doneBytes, t.totalBytes, file.size)} — ${CANCEL_HINT}`;
    rows.push(...wrap(line, width).map((text) => [{ text, color: 'yellow' }]));
  }
  return rows;
}

/** `rows` with `lead` before the first and its width of spaces before the others. */
function withLead(rows: Rows, lead: Segment | null): Rows {
  if (lead === null) return rows;
  const indent: Segment = { text: ' '.repeat(textWidth(lead.text)) };
  return rows.map((row, i) => [i === 0 ? lead : indent, ...row]);
}

/** One reaction as shown: `👍 2` or, with `names`, `👍 alice, bob`. */
function chipText(r: Reaction, names: boolean): string {
  return names ? `${r.emoji} ${r.users.join(', ')}` : `${r.emoji} ${r.users.length}`;
}

/**
 * The reactions under a message: `👍 alice, bob  🎉 carol` when that fits on
 * one row, else `👍 2  🎉 1` (wrapped when even that does not fit). Yours
 * are highlighted.
 */
export function reactionRows(reactions: readonly Reaction[], width: number): Rows {
  if (reactions.length === 0) return [];
  const gap = '  ';
  const named = reactions.map((r) => chipText(r, true));
  const fits = named.reduce((w, t) => w + textWidth(t), 0) + gap.length * (reactions.length - 1) <= width;
  const chips = fits ? named : reactions.map((r) => chipText(r, false));
  const rows: Rows = [[]];
  let used = 0;
  chips.forEach((text, i) => {
    const mine = reactions[i]!.mine;
    const segment: Segment = mine ? { text: truncate(text, width), color: 'yellowBright', bold: true } : { text: truncate(text, width), color: 'gray' };
    const w = textWidth(segment.text);
    const row = rows[rows.length - 1]!;
    if (row.length > 0 && used + gap.length + w > width) {
      rows.push([segment]);
      used = w;
      return;
    }
    if (row.length > 0) {
      row.push({ text: gap });
      used += gap.length;
    }
    row.push(segment);
    used += w;
  });
  return rows;
}

/** The dim line under the last message someone has read: `seen by bob, carol` (cut to `width`). */
export function seenRow(names: readonly string[], width: number): Segment[] {
  const all = names.join(', ');
  const shown = names.length > 3 ? `${names.slice(0, 2).join(', ')} and ${names.length - 2} others` : all;
  return [{ text: truncate(`${SEEN_PREFIX} ${shown}`, width), dim: true, italic: true }];
}
