/** A run of styled text on one screen line. */
export interface Segment {
  text: string;
  color?: string;
  backgroundColor?: string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
  inverse?: boolean;
}

/** One screen line. */
export type ScreenLine = { key: string; segments: Segment[] };

/** Code points drawn two columns wide by default: emoji presentation (👍 🎉 ✅ ☕), whatever their block. */
const EMOJI_PRESENTATION = /\p{Emoji_Presentation}/u;

/**
 * Terminal columns a code point occupies (0, 1 or 2): a small East-Asian-width
 * approximation, plus emoji presentation as 2. Combining marks, zero-width
 * characters, variation selectors and skin-tone modifiers are 0 (❤️ counts
 * as ❤: tmux and most terminals draw U+FE0F in no column of its own).
 */
export function charWidth(ch: string): number {
  const cp = ch.codePointAt(0) ?? 0;
  if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0x1f3fb && cp <= 0x1f3ff)) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd) ||
    (cp >= 0x2300 && EMOJI_PRESENTATION.test(ch))
  ) {
    return 2;
  }
  return 1;
}

/** Terminal columns of a string; a code point joined to the one before by U+200D (ZWJ: 👨‍👩‍👧) adds none. */
export function textWidth(text: string): number {
  let w = 0;
  let joined = false;
  for (const ch of text) {
    if (!joined) w += charWidth(ch);
    joined = ch === '\u200d';
  }
  return w;
}

/** Cuts `text` to at most `width` columns, ending in `…` when cut. */
export function truncate(text: string, width: number): string {
  if (textWidth(text) <= width) return text;
  let out = '';
  let w = 0;
  for (const ch of text) {
    const cw = charWidth(ch);
    if (w + cw > width - 1) break;
    out += ch;
    w += cw;
  }
  return `${out}…`;
}

/** Pads `text` with spaces to `width` columns (left-aligned, or right-aligned with `right`). */
export function pad(text: string, width: number, right = false): string {
  const fill = ' '.repeat(Math.max(0, width - textWidth(text)));
  return right ? fill + text : text + fill;
}

/**
 * Word-wraps `text` to `width` columns: breaks at spaces, splits words longer
 * than a line, keeps explicit newlines. Always at least one (maybe empty) line.
 */
export function wrap(text: string, width: number): string[] {
  const w = Math.max(1, width);
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    let lineWidth = 0;
    for (const word of paragraph.split(/(\s+)/)) {
      if (word === '') continue;
      const ww = textWidth(word);
      if (lineWidth + ww <= w) {
        line += word;
        lineWidth += ww;
        continue;
      }
      if (/^\s+$/.test(word)) {
        lines.push(line);
        line = '';
        lineWidth = 0;
        continue;
      }
      if (lineWidth > 0 && ww <= w) {
        lines.push(line.trimEnd());
        line = word;
        lineWidth = ww;
        continue;
      }
      for (const ch of word) {
        const cw = charWidth(ch);
        if (lineWidth + cw > w) {
          lines.push(line);
          line = '';
          lineWidth = 0;
        }
        line += ch;
        lineWidth += cw;
      }
    }
    lines.push(line.trimEnd());
  }
  return lines;
}

const NAME_COLORS = ['cyan', 'green', 'yellow', 'magenta', 'blue', 'cyanBright', 'greenBright', 'magentaBright', 'yellowBright', 'blueBright'];

/** A stable color per username, so each person is recognisable at a glance. */
export function nameColor(name: string): string {
  let h = 0;
  for (const ch of name.toLowerCase()) h = (h * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
  return NAME_COLORS[h % NAME_COLORS.length] ?? 'cyan';
}
