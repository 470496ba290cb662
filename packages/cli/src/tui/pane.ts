import { formatTime, trustTag, type PaneItem } from '@conclave/client';
import { nameColor, pad, textWidth, truncate, wrap, type ScreenLine, type Segment } from './layout.js';

/** The visible part of a pane. */
export interface PaneView {
  lines: ScreenLine[];
  /** Lines below the window (scrolled up by this much, after clamping). */
  scroll: number;
  /** Lines of the pane below the "new messages" divider; null when there is none. */
  dividerFromEnd: number | null;
}

const TIME_WIDTH = 5;
/** Marks a message the server has not acknowledged yet. */
export const PENDING_MARK = '⧗';
/** Marks a message the server refused for good. */
export const FAILED_MARK = '✖';
/** The unread divider's words. */
export const DIVIDER_TEXT = 'new messages';
const SEPARATOR = ' │ ';

function dayKey(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

function dayLabel(ms: number): string {
  return new Date(ms).toLocaleDateString('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
}

/** The sender column's width: the longest recent name, 6–14 columns. */
function nameWidth(items: readonly PaneItem[]): number {
  let w = 6;
  for (const item of items.slice(-300)) if (item.kind === 'message') w = Math.max(w, textWidth(item.sender));
  return Math.min(14, w);
}

function itemLines(item: PaneItem, width: number, nameW: number): ScreenLine[] {
  const textW = Math.max(10, width - TIME_WIDTH - 1 - nameW - SEPARATOR.length);
  const time: Segment = { text: `${formatTime(item.at)} `, dim: true };
  let name: Segment;
  let body: Omit<Segment, 'text'>;
  /** Styled start of the first line (a trust tag), wrapped with the text. */
  let lead: Segment | null = null;
  switch (item.kind) {
    case 'message':
      name = { text: pad(truncate(item.sender, nameW), nameW, true), color: item.mine ? 'white' : nameColor(item.sender), bold: true };
      body = {};
      if (item.trust !== undefined) {
        lead = { text: `${trustTag(item.trust)} `, color: item.trust === 'changed-key' ? 'red' : 'yellow', bold: true, inverse: item.trust === 'changed-key' };
      }
      // Not acknowledged by the server yet: dimmed with a mark; refused for good: red, with why and what to do.
      if (item.status === 'pending') {
        name = { ...name, bold: false, dim: true };
        body = { dim: true };
        lead = { text: `${PENDING_MARK} `, color: 'yellow', dim: true };
      } else if (item.status === 'failed') {
        name = { ...name, color: 'red' };
        lead = { text: `${FAILED_MARK} `, color: 'red', bold: true };
      }
      break;
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
  const lines = wrap(`${lead?.text ?? ''}${item.text}`, textW);
  const out = lines.map((text, i): ScreenLine => {
    const content: Segment[] =
      i === 0 && lead !== null && text.startsWith(lead.text.trimEnd())
        ? [{ ...lead, text: lead.text.trimEnd() }, { text: text.slice(lead.text.trimEnd().length), ...body }]
        : [{ text, ...body }];
    return {
      key: `${item.key}/${i}`,
      segments:
        i === 0
          ? [time, name, { text: SEPARATOR, dim: true }, ...content]
          : [{ text: ' '.repeat(TIME_WIDTH + 1 + nameW) }, { text: SEPARATOR, dim: true }, ...content],
    };
  });
  if (item.kind === 'message' && item.status === 'failed') {
    const reason = (item.error ?? '').replace(/\.$/, '');
    const why = `${/^not sent\b/i.test(reason) ? reason : reason === '' ? 'Not sent' : `Not sent: ${reason}`} — /retry to send again, /discard to drop it.`;
    wrap(why, textW).forEach((text, i) => {
      out.push({ key: `${item.key}/why${i}`, segments: [{ text: ' '.repeat(TIME_WIDTH + 1 + nameW) }, { text: SEPARATOR, dim: true }, { text, color: 'red' }] });
    });
  }
  return out;
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
    return { lines: [...blank, last], scroll: 0, dividerFromEnd: null };
  }
  const marker = extras.marker ?? null;
  const nameW = nameWidth(items);
  const want = rows + Math.max(0, scroll);
  const reversed: ScreenLine[] = [...footer].reverse();
  let dividerFromEnd: number | null = null;
  // Lay out from the end until the window is full and the divider (if any) has been placed.
  for (let i = items.length - 1; i >= 0 && (reversed.length < want || (marker !== null && dividerFromEnd === null)); i--) {
    const item = items[i]!;
    const lines = itemLines(item, width, nameW);
    for (let j = lines.length - 1; j >= 0; j--) reversed.push(lines[j]!);
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
  return { lines: [...padding, ...window], scroll: clamped, dividerFromEnd };
}
