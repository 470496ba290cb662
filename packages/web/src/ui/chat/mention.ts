/** An `@name` being typed: where its `@` is and the letters after it (up to the caret). */
export interface MentionToken {
  /** Index of the `@` in the text. */
  start: number;
  /** The letters typed after the `@` (may be empty). */
  query: string;
}

/**
 * The `@name` the caret is at the end of, if any: an `@` at the start of the
 * text or after a space or an opening bracket, then letters of a username
 * (`[A-Za-z0-9_.-]`, at most 32). `caret` is the selection's end.
 */
export function mentionAt(text: string, caret: number): MentionToken | null {
  const match = /(?:^|[\s([{])@([A-Za-z0-9_.-]{0,32})$/.exec(text.slice(0, caret));
  if (match === null) return null;
  const query = match[1] ?? '';
  return { start: caret - query.length - 1, query };
}

/** `text` with the token replaced by `@name ` and the caret right after it. */
export function completeMention(text: string, token: MentionToken, caret: number, name: string): { text: string; caret: number } {
  const inserted = `@${name} `;
  const rest = text.slice(caret).replace(/^[A-Za-z0-9_.-]*\s?/, '');
  return { text: text.slice(0, token.start) + inserted + rest, caret: token.start + inserted.length };
}
