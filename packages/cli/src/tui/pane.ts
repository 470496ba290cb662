import { formatTime, trustTag, UNPLACED_SEQ, type MessageItem, type PaneItem } from '@conclave/client';
import { nameColor, pad, textWidth, truncate, wrap, type ScreenLine, type Segment } from './layout.js';
import { bodyRows, quoteRow, reactionRows, seenRow } from './message-lines.js';


/** The visible part of a pane. */
export interface PaneView {
  lines: ScreenLine[];
  /** Lines below the window (scrolled up by this much, after clamping). */
  scroll: number;
  /** Lines of the pane below the "new messages" divider; null when there is none. */
  dividerFromEnd: number | null;
  /** Lines of the pane from the first line of the focused message (`PaneExtras.focus`) to the end; null without one. */
  focusFromEnd: number | null;
}

const TIME_WIDTH = 5;
/** Marks a message the server has not acknowledged yet. */
export const PENDING_MARK = '⧗';
/** Marks a message the server refused for good. */
export const FAILED_MARK = '✖';
/** The unread divider's words. */
export const DIVIDER_TEXT = 'new messages';
const SEPARATOR = ' │ ';
/** The separator beside a message that mentions you: a yellow bar down its lines. */
const MENTION_SEPARATOR = ' ┃ ';

function dayKey(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

function dayLabel(ms: number): string {
  return new Date(ms).toLocaleDateString('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
}

/** The columns in front of the text: message numbers, then the sender's name (6–14 columns). */
interface Columns {
  /** Digits of the highest message number on the pane (0 when there is none). */
  seqW: number;
  nameW: number;
}

/** The columns of a pane: the longest recent name, and the widest message number. */
function columnsOf(items: readonly PaneItem[]): Columns {
  let nameW = 6;
  let seq = 0;
  for (const item of items.slice(-300)) {
    if (item.kind !== 'message') continue;
    nameW = Math.max(nameW, textWidth(item.sender));
    if (item.seq !== UNPLACED_SEQ) seq = Math.max(seq, item.seq);
  }
  return { nameW: Math.min(14, nameW), seqW: seq === 0 ? 0 : String(seq).length };
}

/** Columns before the separator: `12 12:03  alice` (the number and its space only when a pane has numbers). */
function leftWidth(cols: Columns): number {
  return (cols.seqW === 0 ? 0 : cols.seqW + 1) + TIME_WIDTH + 1 + cols.nameW;
}

/** The first line's start: the message number (dim; blank while pending and for other items), the time and the name. */
function header(item: PaneItem, cols: Columns, name: Segment): Segment[] {
  const seq = item.kind === 'message' && item.seq !== UNPLACED_SEQ ? String(item.seq) : '';
  const gutter: Segment[] = cols.seqW === 0 ? [] : [{ text: `${pad(seq, cols.seqW, true)} `, dim: true }];
  return [...gutter, { text: `${formatTime(item.at)} `, dim: true }, name];
}

/** What a message shows before its text: a trust tag, the pending or the failed mark. */
function messageLead(item: MessageItem): Segment | null {
  if (item.status === 'pending') return { text: `${PENDING_MARK} `, color: 'yellow', dim: true };
  if (item.status === 'failed') return { text: `${FAILED_MARK} `, color: 'red', bold: true };
  if (item.trust !== undefined) {
    return { text: `${trustTag(item.trust)} `, color: item.trust === 'changed-key' ? 'red' : 'yellow', bold: true, inverse: item.trust === 'changed-key' };
  }
  return null;
}

/**
 * A message's rows: the quote of what it answers, its number, time and name
 * with the text, its reactions, why it was not sent, and who has read up to
 * it (`seenBy`).
 */
function messageLines(item: MessageItem, width: number, cols: Columns, seenBy: readonly string[] | undefined): ScreenLine[] {
  const textW = Math.max(10, width - leftWidth(cols) - SEPARATOR.length);
  let name: Segment = { text: pad(truncate(item.sender, cols.nameW), cols.nameW, true), color: item.mine ? 'white' : nameColor(item.sender), bold: true };
  if (item.emote === true) name = { ...name, text: pad('*', cols.nameW, true) };
  let style: Omit<Segment, 'text'> = {};
  // Not acknowledged by the server yet: dimmed with a mark; refused for good: red, with why and what to do.
  if (item.status === 'pending') {
    name = { ...name, bold: false, dim: true };
    style = { dim: true };
  } else if (item.status === 'failed') name = { ...name, color: 'red' };
  if (item.mentionsMe === true) name = { ...name, color: 'black', backgroundColor: 'yellow' };
  const separator: Segment = item.mentionsMe === true ? { text: MENTION_SEPARATOR, color: 'yellow', bold: true } : { text: SEPARATOR, dim: true };
  const blank: Segment = { text: ' '.repeat(leftWidth(cols)) };

  const out: ScreenLine[] = [];
  const row = (key: string, content: Segment[], first = false): void => {
    out.push({ key: `${item.key}/${key}`, segments: [...(first ? header(item, cols, name) : [blank]), separator, ...content] });
  };
  if (item.replyTo !== undefined) row('q', quoteRow(item.replyTo, textW));
  bodyRows(item, textW, messageLead(item), style).forEach((content, i) => row(`b${i}`, content, i === 0));
  reactionRows(item.deleted === true ? [] : (item.reactions ?? []), textW).forEach((content, i) => row(`r${i}`, content));
  if (item.status === 'failed') {
    const reason = (item.error ?? '').replace(/\.$/, '');
    const why = `${/^not sent\b/i.test(reason) ? reason : reason === '' ? 'Not sent' : `Not sent: ${reason}`} — /retry to send again, /discard to drop it.`;
    wrap(why, textW).forEach((text, i) => row(`why${i}`, [{ text, color: 'red' }]));
  }
  // Under its author's own message "seen by bob" says nothing: bob wrote it.
  const readers = (seenBy ?? []).filter((name) => name !== item.sender);
  if (readers.length > 0) out.push({ key: `${item.key}/seen`, segments: [blank, { text: SEPARATOR, dim: true }, ...seenRow(readers, textW)] });
  return out;
}

/** A notice, system or security line (wrapped), with its time and a mark in the name column. */
function otherLines(item: Exclude<PaneItem, MessageItem>, width: number, cols: Columns): ScreenLine[] {
  const { nameW } = cols;
  const textW = Math.max(10, width - leftWidth(cols) - SEPARATOR.length);
  let name: Segment;
  let body: Omit<Segment, 'text'>;
  switch (item.kind) {
    case 'notice':
      // An admin's or the server's own notice stands apart from presence lines and from member messages.
      name = item.emphasis === true ? { text: pad('»', nameW, true), color: 'magenta', bold: true } : { text: pad('—', nameW, true), dim: true };
      body = item.emphasis === true ? { color: 'magentaBright', bold: true } : { dim: true, italic: true };
      break;
    case 'system': {
      const mark = item.tone === 'error' ? '✖' : item.tone === 'ok' ? '✔' : '·';
      const color = item.tone === 'error' ? 'red' : item.tone === 'ok' ? 'green' : 'cyan';
      name = { text: pad(mark, nameW, true), color, bold: true };
      body = item.strong === true ? { color: 'whiteBright', bold: true } : item.tone === 'info' ? { color: 'gray' } : { color };
      break;
    }
    case 'security': {
      // First contact is expected (trust on first use): quiet. The rest must be noticed.
      const color = item.level === 'danger' ? 'red' : item.level === 'warning' ? 'yellow' : 'gray';
      name = { text: pad(item.level === 'info' ? 'ℹ' : '⚠', nameW, true), color, bold: true };
      body = item.level === 'info' ? { dim: true } : { color, bold: item.level === 'danger' };
      break;
    }
  }
  return wrap(item.text, textW).map((text, i) => ({
    key: `${item.key}/${i}`,
    segments: [...(i === 0 ? header(item, cols, name) : [{ text: ' '.repeat(leftWidth(cols)) }]), { text: SEPARATOR, dim: true }, { text, ...body }],
  }));
}

function itemLines(item: PaneItem, width: number, cols: Columns, seenBy: ReadonlyMap<string, readonly string[]>): ScreenLine[] {
  return item.kind === 'message' ? messageLines(item, width, cols, seenBy.get(item.key)) : otherLines(item, width, cols);
}

/** The "new messages" divider drawn above the first message that was unread when the conversation was opened. */
function dividerLine(width: number): ScreenLine {
  const label = ` ${DIVIDER_TEXT} `;
  const side = Math.max(2, Math.floor((width - textWidth(label)) / 2));
  return { key: 'unread-divider', segments: [{ text: `${'─'.repeat(side)}${label}${'─'.repeat(side)}`.slice(0, width), color: 'yellow', bold: true }] };
}

function daySeparator(ms: number, width: number): ScreenLine {
  const label = ` ${dayLabel(ms)} `;
  const side = Math.max(2, Math.floor((width - textWidth(label)) / 2));
  return { key: `day-${dayKey(ms)}`, segments: [{ text: `${'─'.repeat(side)}${label}${'─'.repeat(side)}`.slice(0, width), dim: true }] };
}

/** Extras of a pane's layout. */
export interface PaneExtras {
  /** Key of the item to draw the "new messages" divider above (`model.unreadMarker`), or null. */
  marker?: string | null;
  /** A line under the last item (the status of a conversation being set up), or null. */
  footer?: string | null;
  /** Who has read up to which message, by item key (`model.seenBy()`): a "seen by" line under each. */
  seenBy?: ReadonlyMap<string, readonly string[]>;
  /** Key of the message brought into view (`model.focus`: `/goto`, a search result): marked with a bar, and its place reported. */
  focus?: string | null;
}

/**
 * Lays out the bottom of a pane: the last `rows` screen lines, `scroll`
 * lines up from the end, with day separators, the unread divider and the
 * footer, wrapped to `width` columns. Short panes are padded at the top so
 * messages sit just above the input. `dividerFromEnd`: how many lines below
 * the divider there are in the whole pane (null without one), so a UI can
 * tell whether it is in view and scroll to it.
 */
export function layoutPane(items: readonly PaneItem[], width: number, rows: number, scroll: number, emptyText: string, extras: PaneExtras = {}): PaneView {
  const footer: ScreenLine[] =
    extras.footer === null || extras.footer === undefined ? [] : [{ key: 'footer', segments: [{ text: `  ${PENDING_MARK} ${extras.footer}`, color: 'yellow', italic: true }] }];
  if (items.length === 0) {
    const blank = Array.from({ length: Math.max(0, rows - 1) }, (_, i) => ({ key: `pad-${i}`, segments: [{ text: ' ' }] }));
    const last = footer[0] ?? { key: 'empty', segments: [{ text: `  ${emptyText}`, dim: true, italic: true }] };
    return { lines: [...blank, last], scroll: 0, dividerFromEnd: null, focusFromEnd: null };
  }
  const marker = extras.marker ?? null;
  const focus = extras.focus ?? null;
  let focusFromEnd: number | null = null;
  const cols = columnsOf(items);
  const seenBy = extras.seenBy ?? new Map<string, readonly string[]>();
  const want = rows + Math.max(0, scroll);
  const reversed: ScreenLine[] = [...footer].reverse();
  let dividerFromEnd: number | null = null;
  // Lay out from the end until the window is full and the divider (if any) has been placed.
  for (let i = items.length - 1; i >= 0 && (reversed.length < want || (marker !== null && dividerFromEnd === null) || (focus !== null && focusFromEnd === null)); i--) {
    const item = items[i]!;
    const lines = item.key === focus ? itemLines(item, width, cols, seenBy).map(focused) : itemLines(item, width, cols, seenBy);
    for (let j = lines.length - 1; j >= 0; j--) reversed.push(lines[j]!);
    if (item.key === focus) focusFromEnd = reversed.length;
    if (item.key === marker) {
      dividerFromEnd = reversed.length;
      reversed.push(dividerLine(width));
    }
    const previous = items[i - 1];
    if (previous === undefined || dayKey(previous.at) !== dayKey(item.at)) reversed.push(daySeparator(item.at, width));
  }
  const all = reversed.reverse();
  const maxScroll = Math.max(0, all.length - rows);
  const clamped = Math.min(Math.max(0, scroll), maxScroll);
  const end = all.length - clamped;
  const window = all.slice(Math.max(0, end - rows), end);
  const padding = Array.from({ length: rows - window.length }, (_, i) => ({ key: `pad-${i}`, segments: [{ text: ' ' }] }));
  return { lines: [...padding, ...window], scroll: clamped, dividerFromEnd, focusFromEnd };
}

/** A line of the focused message: its first column becomes a yellow bar. */
function focused(line: ScreenLine): ScreenLine {
  const [first, ...rest] = line.segments;
  if (first === undefined) return line;
  return { ...line, segments: [{ ...first, text: `▌${first.text.slice(1)}`, color: 'yellow', bold: true, dim: false }, ...rest] };
}
