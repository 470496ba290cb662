/**
 * Tab completion in the input line: `@name` anywhere (names from the model)
 * and `/command` at the start of the line. Pure functions over `LineState`:
 * the first Tab replaces the word before the cursor with the first
 * candidate, each further Tab with the next one (Shift-Tab goes back).
 */
import { COMMAND_NAMES, COMMANDS, isAdminCommand } from '@conclave/client';
import type { LineState } from './editor.js';

/** A completion in progress: the word it replaces and the choices for it. */
export interface Completion {
  /** Index (in code points) where the replaced word starts. */
  start: number;
  candidates: readonly string[];
  /** The candidate in the line now. */
  index: number;
  /** The line as this completion left it: a Tab on any other line starts a new completion. */
  after: string;
}

/** The word before the cursor that Tab completes: `@prefix` anywhere, `/prefix` as the line's first word; null otherwise. */
export function completionWord(line: LineState): { start: number; word: string } | null {
  let start = line.cursor;
  while (start > 0 && !/\s/.test(line.chars[start - 1] ?? ' ')) start--;
  const word = line.chars.slice(start, line.cursor).join('');
  if (/^@[\w.-]*$/.test(word)) return { start, word };
  if (start === 0 && /^\/[a-z]*$/i.test(word)) return { start, word };
  return null;
}

/** Commands starting with `prefix` (without the slash): canonical names first, then aliases; admin commands only for admins. */
export function commandCandidates(prefix: string, admin: boolean): string[] {
  const wanted = prefix.toLowerCase();
  const names = COMMAND_NAMES.filter((n) => admin || !isAdminCommand(n));
  const aliases = names.flatMap((n) => [...(COMMANDS[n].aliases as readonly string[])]);
  return [...names, ...aliases].filter((n) => n.startsWith(wanted));
}

/** `line` with the code points from `start` to the cursor replaced by `text`, the cursor after it. */
function replaceWord(line: LineState, start: number, text: string): LineState {
  const add = [...text];
  return { chars: [...line.chars.slice(0, start), ...add, ...line.chars.slice(line.cursor)], cursor: start + add.length };
}

/**
 * Applies one Tab (`delta` 1) or Shift-Tab (-1). Continues `previous` when
 * the line is as it left it, else completes the word before the cursor with
 * `candidatesFor(word)` (`@bob`, `/help`: whole words, each followed by a
 * space). null when there is nothing to complete (the caller may use Tab
 * for something else).
 */
export function completeStep(
  line: LineState,
  previous: Completion | null,
  delta: 1 | -1,
  candidatesFor: (word: string) => readonly string[],
  text: (line: LineState) => string,
): { line: LineState; completion: Completion } | null {
  if (previous !== null && previous.after === text(line) && previous.candidates.length > 0) {
    const index = (previous.index + delta + previous.candidates.length) % previous.candidates.length;
    const next = replaceWord(line, previous.start, `${previous.candidates[index]!} `);
    return { line: next, completion: { ...previous, index, after: text(next) } };
  }
  const target = completionWord(line);
  if (target === null) return null;
  const candidates = candidatesFor(target.word);
  if (candidates.length === 0) return null;
  const index = delta === 1 ? 0 : candidates.length - 1;
  const next = replaceWord(line, target.start, `${candidates[index]!} `);
  return { line: next, completion: { start: target.start, candidates, index, after: text(next) } };
}
