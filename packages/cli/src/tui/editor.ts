/** The input line: text and cursor (an index into the text's code points). */
export interface LineState {
  chars: readonly string[];
  cursor: number;
}

/** Input history with the line being edited kept aside while browsing. */
export interface HistoryState {
  entries: readonly string[];
  /** Index into entries while browsing, or null when editing a new line. */
  index: number | null;
  draft: string;
}

const MAX_HISTORY = 500;

export const emptyLine: LineState = { chars: [], cursor: 0 };
export const emptyHistory: HistoryState = { entries: [], index: null, draft: '' };

export function lineOf(text: string): LineState {
  const chars = [...text];
  return { chars, cursor: chars.length };
}

export function textOf(line: LineState): string {
  return line.chars.join('');
}

export function insert(line: LineState, text: string): LineState {
  const add = [...text.replace(/\r?\n|\r/g, ' ').replace(/[\u0000-\u001f\u007f]/g, '')];
  if (add.length === 0) return line;
  const chars = [...line.chars.slice(0, line.cursor), ...add, ...line.chars.slice(line.cursor)];
  return { chars, cursor: line.cursor + add.length };
}

/** Inserts a line break (Alt-Enter): a message may have several lines; the input line shows each break as `↵`. */
export function insertBreak(line: LineState): LineState {
  return { chars: [...line.chars.slice(0, line.cursor), '\n', ...line.chars.slice(line.cursor)], cursor: line.cursor + 1 };
}

export function backspace(line: LineState): LineState {
  if (line.cursor === 0) return line;
  return { chars: [...line.chars.slice(0, line.cursor - 1), ...line.chars.slice(line.cursor)], cursor: line.cursor - 1 };
}

export function deleteForward(line: LineState): LineState {
  if (line.cursor >= line.chars.length) return line;
  return { chars: [...line.chars.slice(0, line.cursor), ...line.chars.slice(line.cursor + 1)], cursor: line.cursor };
}

export function move(line: LineState, to: number): LineState {
  return { chars: line.chars, cursor: Math.max(0, Math.min(line.chars.length, to)) };
}

const isSpace = (c: string | undefined): boolean => c === undefined || /\s/.test(c);

/** Cursor position at the start of the word before the cursor. */
export function wordStart(line: LineState): number {
  let i = line.cursor;
  while (i > 0 && isSpace(line.chars[i - 1])) i--;
  while (i > 0 && !isSpace(line.chars[i - 1])) i--;
  return i;
}

/** Cursor position after the end of the word at or after the cursor. */
export function wordEnd(line: LineState): number {
  let i = line.cursor;
  while (i < line.chars.length && isSpace(line.chars[i])) i++;
  while (i < line.chars.length && !isSpace(line.chars[i])) i++;
  return i;
}

/** Ctrl-W: deletes the word before the cursor. */
export function deleteWordBack(line: LineState): LineState {
  const start = wordStart(line);
  return { chars: [...line.chars.slice(0, start), ...line.chars.slice(line.cursor)], cursor: start };
}

/** Ctrl-U: deletes from the start of the line to the cursor. */
export function killToStart(line: LineState): LineState {
  return { chars: line.chars.slice(line.cursor), cursor: 0 };
}

/** Ctrl-K: deletes from the cursor to the end. */
export function killToEnd(line: LineState): LineState {
  return { chars: line.chars.slice(0, line.cursor), cursor: line.cursor };
}

/** `/adduser NAME PASSWORD` keeps only `/adduser NAME` in the history: a password is not recalled with ↑. */
function withoutSecret(text: string): string {
  const adduser = /^(\s*\/adduser\s+\S+)\s+\S/i.exec(text);
  return adduser === null ? text : adduser[1]!;
}

/** Records a submitted line (skipping blanks and repeats of the last one; never a typed password). */
export function remember(history: HistoryState, typed: string): HistoryState {
  const text = withoutSecret(typed);
  const entries = text.trim() === '' || history.entries.at(-1) === text ? history.entries : [...history.entries, text].slice(-MAX_HISTORY);
  return { entries, index: null, draft: '' };
}

/** Up (-1) or down (+1) through history; returns the new history and line. */
export function browse(history: HistoryState, line: LineState, delta: -1 | 1): [HistoryState, LineState] {
  const { entries } = history;
  if (entries.length === 0) return [history, line];
  if (history.index === null) {
    if (delta === 1) return [history, line];
    const index = entries.length - 1;
    return [{ entries, index, draft: textOf(line) }, lineOf(entries[index] ?? '')];
  }
  const index = history.index + delta;
  if (index < 0) return [history, line];
  if (index >= entries.length) return [{ entries, index: null, draft: '' }, lineOf(history.draft)];
  return [{ ...history, index }, lineOf(entries[index] ?? '')];
}
