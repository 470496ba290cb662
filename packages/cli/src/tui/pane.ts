import { formatTime, trustTag, type PaneItem } from '@conclave/client';
import { nameColor, pad, textWidth, truncate, wrap, type ScreenLine, type Segment } from './layout.js';

/** The visible part of a pane. */
export interface PaneView {
  lines: ScreenLine[];
  /** Lines below the window (scrolled up by this much, after clamping). */
  scroll: number;
}

const TIME_WIDTH = 5;
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
  return lines.map((text, i) => {
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
}

function daySeparator(ms: number, width: number): ScreenLine {
  const label = ` ${dayLabel(ms)} `;
  const side = Math.max(2, Math.floor((width - textWidth(label)) / 2));
  return { key: `day-${dayKey(ms)}`, segments: [{ text: `${'─'.repeat(side)}${label}${'─'.repeat(side)}`.slice(0, width), dim: true }] };
}

/**
 * Lays out the bottom of a pane: the last `rows` screen lines, `scroll`
 * lines up from the end, with day separators, wrapped to `width` columns.
 * Short panes are padded at the top so messages sit just above the input.
 */
export function layoutPane(items: readonly PaneItem[], width: number, rows: number, scroll: number, emptyText: string): PaneView {
  if (items.length === 0) {
    const blank = Array.from({ length: Math.max(0, rows - 1) }, (_, i) => ({ key: `pad-${i}`, segments: [{ text: ' ' }] }));
    return { lines: [...blank, { key: 'empty', segments: [{ text: `  ${emptyText}`, dim: true, italic: true }] }], scroll: 0 };
  }
  const nameW = nameWidth(items);
  const want = rows + Math.max(0, scroll);
  const reversed: ScreenLine[] = [];
  for (let i = items.length - 1; i >= 0 && reversed.length < want; i--) {
    const item = items[i]!;
    const lines = itemLines(item, width, nameW);
    for (let j = lines.length - 1; j >= 0; j--) reversed.push(lines[j]!);
    const previous = items[i - 1];
    if (previous === undefined || dayKey(previous.at) !== dayKey(item.at)) reversed.push(daySeparator(item.at, width));
  }
  const all = reversed.reverse();
  const maxScroll = Math.max(0, all.length - rows);
  const clamped = Math.min(Math.max(0, scroll), maxScroll);
  const end = all.length - clamped;
  const window = all.slice(Math.max(0, end - rows), end);
  const padding = Array.from({ length: rows - window.length }, (_, i) => ({ key: `pad-${i}`, segments: [{ text: ' ' }] }));
  return { lines: [...padding, ...window], scroll: clamped };
}
