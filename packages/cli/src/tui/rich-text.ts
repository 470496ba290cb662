import { parseMessageText, plainText, type RichBlock, type RichInline } from '@conclave/client';
import { charWidth, pad, wrap, type Segment } from './layout.js';

/** A segment's style: everything but its text. */
type Style = Omit<Segment, 'text'>;
/** A run of text in one style, before wrapping. */
type Run = { text: string; style: Style };

/** Styles of the Markdown subset in a terminal. */
const STRONG: Style = { bold: true };
const EMPHASIS: Style = { italic: true };
const CODE: Style = { color: 'yellow' };
/** Link text. Should be `{ underline: true }` once `Segment` has `underline` (layout.ts); a color until then. */
const LINK: Style = { color: 'blueBright', underline: true };
const URL_AFTER_LINK: Style = { dim: true };
const QUOTE_BAR: Segment = { text: '│ ', dim: true };
const CODE_INDENT = '  ';
const BULLET = '• ';

/** Options of `richTextLines`. */
export interface RichTextOptions {
  /** Style under every segment of the text (`{ dim: true }` for a message the server has not acknowledged). */
  base?: Style;
  /** Styled text starting the first line (a trust tag, the pending mark), wrapped with the text when it starts with a paragraph. */
  lead?: Segment | null;
}

/**
 * A message's text (Markdown subset and `:shortcodes:`, parsed by the client
 * core's `parseMessageText`) as terminal lines of at most `width` columns,
 * each a list of styled segments (pane.ts adds the time, name and separator).
 * Strong is bold, emphasis italic, code yellow; code blocks are indented and
 * hard-wrapped (never word-wrapped, never truncated); quotes get a dim "│ "
 * bar; list items a "• " or "N. " marker with a hanging indent; a link is its
 * text followed by "(url)" when the two differ. Two paragraphs in a row are
 * separated by an empty line. Always at least one (maybe empty) line.
 */
export function richTextLines(text: string, width: number, options: RichTextOptions = {}): Segment[][] {
  const base = options.base ?? {};
  const lead = options.lead ?? null;
  const blocks = parseMessageText(text);
  const first = blocks[0];
  if (lead !== null && first?.type === 'paragraph') {
    // The lead is wrapped as the paragraph's first words, in its own style (not the base's).
    const leadRun: Run = { text: lead.text, style: styleOf(lead) };
    return [...wrapRuns([leadRun, ...runsOf(first.children, base)], width), ...blockLines(blocks.slice(1), width, base, first)];
  }
  const lines = blockLines(blocks, width, base, null);
  if (lead !== null) lines.unshift([{ ...lead, text: lead.text.trimEnd() }]);
  return lines.length > 0 ? lines : [[{ text: '', ...base }]];
}

/** Lines of consecutive blocks; `previous`: the block before the first (for the empty line between paragraphs). */
function blockLines(blocks: readonly RichBlock[], width: number, base: Style, previous: RichBlock | null): Segment[][] {
  const out: Segment[][] = [];
  let before = previous;
  for (const block of blocks) {
    if (before?.type === 'paragraph' && block.type === 'paragraph') out.push([]);
    out.push(...linesOf(block, width, base));
    before = block;
  }
  return out;
}

function linesOf(block: RichBlock, width: number, base: Style): Segment[][] {
  switch (block.type) {
    case 'paragraph':
      return wrapRuns(runsOf(block.children, base), width);
    case 'codeBlock': {
      const w = Math.max(1, width - CODE_INDENT.length);
      return block.text.split('\n').flatMap((line) => hardWrap(line, w).map((part) => [{ text: CODE_INDENT }, { text: part, ...base, ...CODE }]));
    }
    case 'quote':
      return prefixed(blockLines(block.children, Math.max(1, width - QUOTE_BAR.text.length), base, null), QUOTE_BAR, QUOTE_BAR);
    case 'list': {
      const last = block.start + block.items.length - 1;
      const markerWidth = block.ordered ? String(last).length + 2 : BULLET.length;
      const inner = Math.max(1, width - markerWidth);
      return block.items.flatMap((item, i) => {
        const marker = block.ordered ? `${pad(`${block.start + i}.`, markerWidth - 1, true)} ` : BULLET;
        const lines = blockLines(item, inner, base, null);
        return prefixed(lines.length > 0 ? lines : [[]], { text: marker, ...base }, { text: ' '.repeat(markerWidth) });
      });
    }
  }
}

/** `lines` with `first` before the first line and `rest` before the others. */
function prefixed(lines: Segment[][], first: Segment, rest: Segment): Segment[][] {
  return lines.map((line, i) => [i === 0 ? first : rest, ...line]);
}

/** Inline content as styled runs: nested styles combine over `style`. */
function runsOf(inlines: readonly RichInline[], style: Style): Run[] {
  return inlines.flatMap((inline): Run[] => {
    switch (inline.type) {
      case 'text':
        return [{ text: inline.text, style }];
      case 'code':
        return [{ text: inline.text, style: { ...style, ...CODE } }];
      case 'strong':
        return runsOf(inline.children, { ...style, ...STRONG });
      case 'emphasis':
        return runsOf(inline.children, { ...style, ...EMPHASIS });
      case 'link': {
        const runs = runsOf(inline.children, { ...style, ...LINK });
        const shown = plainText([{ type: 'paragraph', children: inline.children }]);
        const same = shown === inline.href || `mailto:${shown}` === inline.href;
        return same ? runs : [...runs, { text: ` (${inline.href})`, style: { ...style, ...URL_AFTER_LINK } }];
      }
    }
  });
}

/**
 * Word-wraps styled runs with layout.ts's `wrap` (on their joined text), then
 * cuts the runs at the lines' offsets: `wrap` returns pieces of its input in
 * order, dropping only whitespace between them.
 */
function wrapRuns(runs: readonly Run[], width: number): Segment[][] {
  const text = runs.map((r) => r.text).join('');
  const out: Segment[][] = [];
  let at = 0;
  for (const line of wrap(text, width)) {
    let start = at;
    while (!text.startsWith(line, start) && /\s/.test(text[start] ?? '')) start++;
    if (!text.startsWith(line, start)) {
      // Not expected; keep the text rather than mis-style it.
      out.push([{ text: line, ...runs[0]?.style }]);
      continue;
    }
    out.push(slice(runs, start, start + line.length));
    at = start + line.length;
  }
  return out;
}

/** The segments of `runs` between offsets `start` and `end` of their joined text. */
function slice(runs: readonly Run[], start: number, end: number): Segment[] {
  const out: Segment[] = [];
  let offset = 0;
  for (const run of runs) {
    const from = Math.max(start, offset);
    const to = Math.min(end, offset + run.text.length);
    if (from < to) out.push({ text: run.text.slice(from - offset, to - offset), ...run.style });
    offset += run.text.length;
    if (offset >= end) break;
  }
  return out;
}

/** Cuts a code line into pieces of at most `width` columns (code keeps its spaces: no word-wrapping). */
function hardWrap(line: string, width: number): string[] {
  const out: string[] = [];
  let piece = '';
  let used = 0;
  for (const ch of line) {
    const w = charWidth(ch);
    if (used + w > width && piece !== '') {
      out.push(piece);
      piece = '';
      used = 0;
    }
    piece += ch;
    used += w;
  }
  out.push(piece);
  return out;
}

function styleOf(segment: Segment): Style {
  const { text: _text, ...style } = segment;
  return style;
}
