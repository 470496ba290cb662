import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatSnapshot, MessageItem, PaneItem } from '@conclave/client';
import type { ConversationId, UserId } from '@conclave/protocol';
import { headerLine, inputLine, typingLine } from '../src/tui/bars.js';
import { commandCandidates, completeStep, type Completion } from '../src/tui/complete.js';
import { lineOf, textOf, type LineState } from '../src/tui/editor.js';
import { textWidth, type ScreenLine } from '../src/tui/layout.js';
import { reactionRows } from '../src/tui/message-lines.js';
import { layoutPane } from '../src/tui/pane.js';

/** How the terminal client draws the parts of a message (pure layout, no terminal). */

const text = (line: ScreenLine): string => line.segments.map((s) => s.text).join('');
const GENERAL = 'c-general' as ConversationId;
const at = new Date(2026, 0, 5, 12, 3).getTime();
const msg = (seq: number, sender: string, body: string, over: Partial<MessageItem> = {}): MessageItem => ({
  kind: 'message',
  key: `${GENERAL}:${seq}`,
  seq,
  at,
  sender,
  text: body,
  mine: sender === 'alice',
  ...over,
});
/** The pane's non-blank lines at `width` columns. */
const lines = (items: PaneItem[], width = 80, seenBy = new Map<string, string[]>()): string[] =>
  layoutPane(items, width, 30, 0, '', { seenBy })
    .lines.map(text)
    .filter((l) => l.trim() !== '' && !l.includes('January'));

test('each message shows its number dim before the time; pending ones and other lines have none', () => {
  const items: PaneItem[] = [
    msg(9, 'bob', 'nine'),
    msg(12, 'alice', 'twelve'),
    { kind: 'system', key: 's', at, text: 'a system line', tone: 'info' },
    msg(Number.MAX_SAFE_INTEGER, 'alice', 'on its way', { status: 'pending' }),
  ];
  const view = layoutPane(items, 80, 30, 0, '');
  const shown = view.lines.map(text).filter((l) => l.trim() !== '' && !l.includes('January'));
  assert.deepEqual(shown, [' 9 12:03    bob │ nine', '12 12:03  alice │ twelve', '   12:03      · │ a system line', '   12:03  alice │ ⧗ on its way']);
  const number = view.lines.find((l) => text(l).includes('twelve'))!.segments[0]!;
  assert.equal(number.text, '12 ');
  assert.equal(number.dim, true);
});

test('a reply has a dim quote line above it: the original, "message deleted", or "not on this device"', () => {
  const quoted = lines([msg(3, 'bob', 'hi there'), msg(4, 'alice', 'hello', { replyTo: { seq: 3, key: 'k3', sender: 'bob', text: 'hi there' } })]);
  assert.deepEqual(quoted.slice(-2), ['               │ ↳ bob: hi there', '4 12:03  alice │ hello']);
  const gone = lines([msg(4, 'alice', 'hello', { replyTo: { seq: 3, key: 'k3', sender: 'bob', text: '', deleted: true } })]);
  assert.equal(gone[0], '               │ ↳ message deleted');
  const missing = lines([msg(4, 'alice', 'hello', { replyTo: { seq: 3, key: 'k3' } })]);
  assert.equal(missing[0], '               │ ↳ message 3 (not on this device)');
  const long = lines([msg(4, 'alice', 'x', { replyTo: { seq: 3, key: 'k3', sender: 'bob', text: 'word '.repeat(40) } })], 60);
  assert.ok(textWidth(long[0]!) <= 60 && long[0]!.endsWith('…'), long[0]);
  const quoteLine = layoutPane([msg(4, 'alice', 'hello', { replyTo: { seq: 3, key: 'k3', sender: 'bob', text: 'hi' } })], 80, 3, 0, '').lines.at(-2)!;
  assert.ok(quoteLine.segments.slice(2).every((s) => s.dim === true), 'the quote is dim');
});

test('reactions: names when they fit, counts when not, mine highlighted, emoji counted two columns wide', () => {
  const reactions = [
    { emoji: '👍', users: ['alice', 'bob'], mine: true },
    { emoji: '🎉', users: ['carol'], mine: false },
  ];
  const named = lines([msg(5, 'bob', 'ship it', { reactions })]);
  assert.equal(named.at(-1), '               │ 👍 alice, bob  🎉 carol');
  const narrow = reactionRows([{ emoji: '👍', users: ['alice', 'bob', 'carol', 'dave'], mine: true }, { emoji: '🎉', users: ['erin'], mine: false }], 20);
  assert.deepEqual(
    narrow.map((row) => row.map((s) => s.text).join('')),
    ['👍 4  🎉 1'],
  );
  assert.equal(narrow[0]![0]!.bold, true, 'mine is highlighted');
  assert.notEqual(narrow[0]![2]!.bold, true);
  assert.equal(textWidth('👍 4  🎉 1'), 10);
  // Many reactions on a narrow screen wrap instead of running off the edge.
  const many = reactionRows(
    ['😀', '😁', '😂', '🤣', '😃', '😄', '😅', '😆'].map((emoji) => ({ emoji, users: ['x'], mine: false })),
    16,
  );
  assert.ok(many.length > 1 && many.every((row) => textWidth(row.map((s) => s.text).join('')) <= 16));
});

test('edited, deleted, emote, unsupported and mention lines', () => {
  const items: PaneItem[] = [
    msg(1, 'bob', 'new words', { edited: true }),
    msg(2, 'bob', '', { deleted: true }),
    msg(3, 'alice', 'waves', { emote: true }),
    msg(4, 'bob', 'Unsupported message: it was sent by a newer version of Conclave. Update to see it.', { unsupported: true }),
    msg(5, 'bob', '@alice look', { mentionsMe: true }),
  ];
  const view = layoutPane(items, 100, 30, 0, '');
  const shown = view.lines.map(text).filter((l) => l.trim() !== '' && !l.includes('January'));
  assert.deepEqual(shown, [
    '1 12:03    bob │ new words (edited)',
    '2 12:03    bob │ message deleted',
    '3 12:03      * │ alice waves',
    '4 12:03    bob │ Unsupported message: it was sent by a newer version of Conclave. Update to see it.',
    '5 12:03    bob ┃ @alice look',
  ]);
  const line = (n: number) => view.lines.find((l) => text(l).startsWith(`${n} `))!;
  assert.ok(line(1).segments.some((s) => s.text === ' (edited)' && s.dim === true));
  assert.ok(line(2).segments.some((s) => s.text === 'message deleted' && s.dim === true && s.italic === true));
  assert.ok(line(4).segments.some((s) => s.text.startsWith('Unsupported') && s.dim === true));
  const mention = line(5).segments;
  assert.ok(mention.some((s) => s.text.trim() === 'bob' && s.backgroundColor === 'yellow'), 'the name on a yellow bar');
  assert.ok(mention.some((s) => s.text === ' ┃ ' && s.color === 'yellow'));
});

test('"seen by" under the last message each reader has read, never naming the author under their own message', () => {
  const items = [msg(1, 'alice', 'one'), msg(2, 'alice', 'two'), msg(3, 'bob', 'three')];
  const seen = new Map([
    [`${GENERAL}:2`, ['bob', 'carol']],
    [`${GENERAL}:3`, ['bob']],
  ]);
  assert.deepEqual(lines(items, 80, seen), ['1 12:03  alice │ one', '2 12:03  alice │ two', '               │ seen by bob, carol', '3 12:03    bob │ three']);
});

test('header: the topic after the room name, cut to fit 80 columns; the server address gives way first', () => {
  const snapshot: ChatSnapshot = {
    connection: 'ready',
    me: { userId: 'u-alice' as UserId, username: 'alice', role: 'member' },
    deviceId: null,
    conversations: [{ conversationId: GENERAL, kind: 'room', name: '#general', seq: 1, unread: 0, mentions: 0, topic: 'Release planning for v0.2: the notes are on the wiki\x07' }],
    current: GENERAL,
    online: [],
    verified: [],
  };
  const wide = text(headerLine({ snapshot, current: GENERAL, opening: null }, '127.0.0.1:8443', 140));
  assert.match(wide, /#general — Release planning for v0\.2: the notes are on the wiki +0 online · alice @ 127\.0\.0\.1:8443 $/);
  assert.ok(!wide.includes('\x1b'), 'control characters are removed');
  const narrow = text(headerLine({ snapshot, current: GENERAL, opening: null }, '127.0.0.1:8443', 80));
  assert.equal(textWidth(narrow), 80, narrow);
  assert.match(narrow, /#general — Release planning.*… +0 online · alice $/);
});

test('input: "edit N ›" while editing; the typing line', () => {
  assert.match(text(inputLine('edit 12', lineOf('new text'), 80, '', null, 'yellow')), /^edit 12 › new text/);
  assert.equal(text(typingLine('bob is typing…', 80)), '  bob is typing…');
});

test('Tab completes @names (cycling, Shift-Tab back) and /commands at the start of the line', () => {
  const names = (word: string) => ['bob', 'bea', 'carol'].filter((n) => n.startsWith(word.slice(1))).map((n) => `@${n}`);
  let line: LineState = lineOf('hi @b');
  let completion: Completion | null = null;
  const tab = (delta: 1 | -1 = 1) => {
    const step = completeStep(line, completion, delta, names, textOf);
    assert.ok(step !== null);
    ({ line, completion } = step);
    return textOf(line);
  };
  assert.equal(tab(), 'hi @bob ');
  assert.equal(tab(), 'hi @bea ');
  assert.equal(tab(), 'hi @bob ');
  assert.equal(tab(-1), 'hi @bea ');
  // Typing on starts afresh.
  line = lineOf(`${textOf(line)}and @c`);
  assert.equal(tab(), 'hi @bea and @carol ');
  assert.equal(completeStep(lineOf('plain words'), null, 1, names, textOf), null, 'nothing to complete: Tab keeps its other use');
  assert.deepEqual(commandCandidates('re', false), ['reply', 'react', 'receipts', 're']);
  assert.ok(!commandCandidates('', false).includes('broadcast') && commandCandidates('', true).includes('broadcast'), 'admin commands for admins only');
  const command = completeStep(lineOf('/top'), null, 1, (w) => commandCandidates(w.slice(1), false).map((n) => `/${n}`), textOf);
  assert.equal(command === null ? null : textOf(command.line), '/topic ');
});
