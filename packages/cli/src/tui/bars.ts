/**
 * The fixed lines of the chat screen around the message pane: the header,
 * the status bar (connection, conversation tabs) and the input line (prompt,
 * editor, size counter). Pure functions of what the model shows, so they can
 * be tested without a terminal.
 */
import type { ConversationId, UserId } from '@conclave/protocol';
import { conversationLabel, parseCommand, sanitize, type ChatSnapshot, type ConversationSummary, type OpeningView, type TextMeasure } from '@conclave/client';
import type { LineState } from './editor.js';
import { textWidth, truncate, type ScreenLine, type Segment } from './layout.js';

/** How a line break typed in the input line (Alt-Enter) is shown there. */
export const BREAK_MARK = '↵';

/** The mark after a verified user's name (every known device of theirs verified on this device). */
export const VERIFIED_MARK = '✓';

/** What is on screen: a listed conversation (`current`), one being set up (`opening`), or neither. */
export interface ScreenState {
  snapshot: ChatSnapshot;
  /** `model.current`: null while `opening` is set or when no conversation is shown. */
  current: ConversationId | null;
  opening: OpeningView | null;
}

/** Users every one of whose known devices this device has verified (`snapshot.verified`). */
export function verifiedUsers(snapshot: ChatSnapshot): ReadonlySet<UserId> {
  return new Set(snapshot.verified);
}

/** A conversation's name as shown in tabs and headers: `#room`, `@bob`, or `@bob ✓` when bob is verified. */
export function tabLabel(c: ConversationSummary, verified: ReadonlySet<UserId>): string {
  const label = conversationLabel(c);
  return c.kind === 'dm' && c.peer !== undefined && verified.has(c.peer.userId) ? `${label} ${VERIFIED_MARK}` : label;
}

/** The label of what is on screen (`@bob`, `#films`, …), or null when nothing is. */
export function screenLabel(screen: ScreenState, verified = verifiedUsers(screen.snapshot)): string | null {
  if (screen.opening !== null) return screen.opening.label;
  const current = screen.snapshot.conversations.find((c) => c.conversationId === screen.current);
  return current === undefined ? null : tabLabel(current, verified);
}

/** The topic of what is on screen, on one line, when it has one. */
export function screenTopic(screen: ScreenState): string | null {
  if (screen.opening !== null) return null;
  const topic = screen.snapshot.conversations.find((c) => c.conversationId === screen.current)?.topic;
  const line = topic === undefined ? '' : sanitize(topic).replace(/\s+/g, ' ').trim();
  return line === '' ? null : line;
}

/** Fewest columns worth giving a topic in the header (less: it is left out). */
const MIN_TOPIC = 8;

/**
 * Top line: app name, what is on screen and its topic, who is online, who you
 * are and where. When the topic does not fit, the server's address goes
 * first, then the topic is cut.
 */
export function headerLine(screen: ScreenState, server: string, width: number): ScreenLine {
  const { snapshot } = screen;
  const left = ` ◆ conclave `;
  const label = screenLabel(screen);
  const title = label === null ? '' : ` ${label}${screen.opening === null ? '' : ' · setting up…'}`;
  const me = snapshot.me === null ? null : `${snapshot.me.username}${snapshot.me.role === 'admin' ? ' (admin)' : ''}`;
  const who = me === null ? server : `${me} @ ${server}`;
  let right = `${snapshot.online.length} online · ${who} `;
  const topic = screenTopic(screen);
  let topicText = '';
  if (topic !== null) {
    const room = (r: string): number => width - textWidth(left) - textWidth(title) - textWidth(r) - 4;
    if (room(right) < Math.min(textWidth(topic), 24) && me !== null) right = `${snapshot.online.length} online · ${me} `;
    if (room(right) >= MIN_TOPIC) topicText = ` — ${truncate(topic, room(right))}`;
  }
  const gap = Math.max(1, width - textWidth(left) - textWidth(title) - textWidth(topicText) - textWidth(right));
  const bg = 'blue';
  return {
    key: 'header',
    segments: [
      { text: left, backgroundColor: bg, color: 'whiteBright', bold: true },
      { text: title, backgroundColor: bg, color: 'whiteBright' },
      { text: topicText, backgroundColor: bg, color: 'white', italic: true },
      { text: ' '.repeat(gap), backgroundColor: bg },
      { text: truncate(right, Math.max(0, width - textWidth(left) - textWidth(title) - textWidth(topicText) - 1)), backgroundColor: bg, color: 'white' },
    ],
  };
}

/**
 * The connection state: `● connected`, or while not ready `offline — reconnecting in 4s`.
 * @param retryAt the next reconnect attempt, ms since the epoch (`model.retryAt`); `now` likewise
 */
export function connectionSegment(snapshot: ChatSnapshot, retryAt: number | null, now = Date.now()): Segment {
  switch (snapshot.connection) {
    case 'ready':
      return { text: ' ● connected ', color: 'green', bold: true };
    case 'idle':
    case 'connecting':
    case 'authenticating':
      return { text: ' ◌ connecting… ', color: 'yellow', bold: true };
    case 'reconnecting': {
      const secs = retryAt === null ? 0 : Math.max(0, Math.ceil((retryAt - now) / 1000));
      return { text: secs > 0 ? ` ◌ offline — reconnecting in ${secs}s ` : ' ◌ offline — reconnecting… ', color: 'yellow', bold: true };
    }
    case 'closed':
      return { text: ' ✖ offline ', color: 'red', bold: true };
  }
}

/** Status bar: connection state, then one tab per conversation (unread counts, ✓ for verified peers), then key hints. */
export function statusLine(screen: ScreenState, retryAt: number | null, width: number, now = Date.now()): ScreenLine {
  const { snapshot, current, opening } = screen;
  const bg = 'gray';
  const state = connectionSegment(snapshot, retryAt, now);
  const hint = ' Tab/^N next · /help ';
  const verified = verifiedUsers(snapshot);
  const all = snapshot.conversations;
  const labels = new Map(all.map((c) => [c.conversationId, tabLabel(c, verified)]));
  const openingTab = opening === null ? 0 : textWidth(opening.label) + 4;
  const totalWidth = all.reduce((w, c) => w + textWidth(labels.get(c.conversationId) ?? '') + 5 + (c.mentions > 0 ? 1 : 0), openingTab);
  const room = width - textWidth(state.text) - textWidth(hint) - 2;
  // When every tab does not fit, keep the current one and those with unread messages.
  // A conversation being set up may be listed already (the DM exists, its group not yet): one tab for both.
  const openingId = opening === null ? undefined : all.find((c) => conversationLabel(c).toLowerCase() === opening.label.toLowerCase())?.conversationId;
  const onScreen = (c: ConversationSummary): boolean => c.conversationId === current || c.conversationId === openingId;
  const shown = totalWidth <= room ? all : all.filter((c) => onScreen(c) || c.unread > 0);
  const tabs: Segment[] = [];
  for (const c of shown) {
    const label = labels.get(c.conversationId) ?? '';
    if (c.conversationId === openingId) tabs.push({ text: ` ${label} ⧗ `, backgroundColor: 'white', color: 'black', bold: true });
    else if (c.conversationId === current) tabs.push({ text: ` ${label} `, backgroundColor: 'white', color: 'black', bold: true });
    else {
      tabs.push({ text: ` ${label}`, backgroundColor: bg, color: c.unread > 0 ? 'whiteBright' : 'black' });
      // Unread messages that mention you: the count turns red with an @ (muted or not).
      const count = c.unread > 99 ? '99+' : String(c.unread);
      tabs.push(
        c.unread <= 0
          ? { text: ' ', backgroundColor: bg }
          : c.mentions > 0
            ? { text: ` ${count}@ `, backgroundColor: bg, color: 'redBright', bold: true }
            : // A muted conversation's count stays quiet.
              { text: ` ${count} `, backgroundColor: bg, color: c.muted === true ? 'black' : 'yellowBright', bold: c.muted !== true },
      );
    }
  }
  // The conversation being set up is on screen: its tab is the current one, marked as not ready yet.
  if (opening !== null && openingId === undefined) tabs.push({ text: ` ${opening.label} ⧗ `, backgroundColor: 'white', color: 'black', bold: true });
  const hidden = all.length - shown.length;
  if (hidden > 0) tabs.push({ text: ` +${hidden} `, backgroundColor: bg, color: 'black' });
  const used = textWidth(state.text) + 1 + tabs.reduce((w, s) => w + textWidth(s.text), 0);
  const gap = Math.max(0, width - used - textWidth(hint));
  return {
    key: 'status',
    segments: [
      { ...state, backgroundColor: 'black' },
      { text: ' ', backgroundColor: bg },
      ...tabs,
      { text: ' '.repeat(gap), backgroundColor: bg },
      { text: used + textWidth(hint) <= width ? hint : '', backgroundColor: bg, color: 'black' },
    ],
  };
}

/** The text a line would send (a plain text, or `/msg USER TEXT`'s text), whose size counts; null for other commands. */
export function sentText(line: string): string | null {
  const command = parseCommand(line);
  if (command.kind === 'text') return command.text;
  if (command.kind === 'msg') return command.text;
  return null;
}

/** The size counter shown near the limit: `120 left`, `37 too many`; null while far from it. */
export function sizeCounter(measure: TextMeasure): Segment | null {
  if (!measure.nearLimit) return null;
  if (measure.charsLeft < 0) return { text: ` ${-measure.charsLeft} too many `, color: 'red', bold: true, inverse: true };
  return { text: ` ${measure.charsLeft} left `, color: measure.charsLeft <= 20 ? 'yellow' : 'gray' };
}

/**
 * The input line: `@bob › ` (`edit 12 › ` while editing message 12) then the editor, scrolled sideways so the cursor
 * stays visible, and the size counter (when near the limit) at the right edge.
 */
export function inputLine(prompt: string, line: LineState, width: number, placeholder: string, counter: Segment | null = null, promptColor = 'cyan'): ScreenLine {
  const promptSeg: Segment = { text: `${prompt} › `, color: promptColor, bold: true };
  const counterWidth = counter === null ? 0 : textWidth(counter.text) + 1;
  const room = Math.max(4, width - textWidth(promptSeg.text) - 1 - counterWidth);
  const tail = (used: number): Segment[] => (counter === null ? [] : [{ text: ' '.repeat(Math.max(1, width - used - textWidth(counter.text) - 1)) }, counter]);
  if (line.chars.length === 0) {
    const hint = truncate(placeholder, room - 1);
    return { key: 'input', segments: [promptSeg, { text: ' ', inverse: true }, { text: hint, dim: true }, ...tail(textWidth(promptSeg.text) + 1 + textWidth(hint))] };
  }
  // Scroll horizontally so the cursor stays visible.
  let start = 0;
  let w = 0;
  for (let i = line.cursor - 1; i >= 0; i--) {
    w += textWidth(line.chars[i] ?? '');
    if (w > room - 1) {
      start = i + 1;
      break;
    }
  }
  // A line break in the text (Alt-Enter) shows as ↵.
  const shown = (chars: readonly string[]): string => chars.join('').replace(/\n/g, BREAK_MARK);
  const before = shown(line.chars.slice(start, line.cursor));
  const at = shown([line.chars[line.cursor] ?? ' ']);
  const after = truncate(shown(line.chars.slice(line.cursor + 1)), Math.max(0, room - textWidth(before) - textWidth(at)));
  const used = textWidth(promptSeg.text) + textWidth(before) + textWidth(at) + textWidth(after);
  return { key: 'input', segments: [promptSeg, { text: before }, { text: at, inverse: true }, { text: after }, ...tail(used)] };
}

/** A one-line message just above the input (a refused line: "Too long by 37 characters…"). */
export function flashLine(text: string, width: number): ScreenLine {
  return { key: 'flash', segments: [{ text: truncate(` ✖ ${text}`, width), color: 'red', bold: true }] };
}

/** The line above the input while others type: `bob is typing…` (`model.typingLine()`). */
export function typingLine(text: string, width: number): ScreenLine {
  return { key: 'typing', segments: [{ text: truncate(`  ${text}`, width), dim: true, italic: true }] };
}
