import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatSnapshot, PaneItem } from '@conclave/client';
import type { ConversationId, UserId } from '@conclave/protocol';
import { headerLine, inputLine, sentText, sizeCounter, statusLine, type ScreenState } from '../src/tui/bars.js';
import { lineOf } from '../src/tui/editor.js';
import type { ScreenLine } from '../src/tui/layout.js';
import { layoutPane } from '../src/tui/pane.js';

const text = (line: ScreenLine): string => line.segments.map((s) => s.text).join('');
const GENERAL = 'c-general' as ConversationId;
const BOB_DM = 'c-bob' as ConversationId;
const BOB = 'u-bob' as UserId;

function snapshot(over: Partial<ChatSnapshot> = {}): ChatSnapshot {
  return {
    connection: 'ready',
    me: { userId: 'u-alice' as UserId, username: 'alice', role: 'member' },
    deviceId: null,
    conversations: [
      { conversationId: GENERAL, kind: 'room', name: '#general', seq: 1, unread: 0, mentions: 0 },
      { conversationId: BOB_DM, kind: 'dm', name: 'bob', peer: { userId: BOB, username: 'bob' }, seq: 1, unread: 2, mentions: 0 },
    ],
    current: GENERAL,
    online: [],
    verified: [],
    ...over,
  };
}

test('status bar: tabs with unread counts, ✓ after a verified peer, and "offline — reconnecting in Ns" when not ready', () => {
  const plain = text(statusLine({ snapshot: snapshot(), current: GENERAL, opening: null }, null, 100));
  assert.match(plain, /● connected {3}#general {2}@bob 2 /);
  const verified = text(statusLine({ snapshot: snapshot({ verified: [BOB] }), current: GENERAL, opening: null }, null, 100));
  assert.match(verified, /@bob ✓ 2 /);
  const now = 1_000_000;
  const offline = text(statusLine({ snapshot: snapshot({ connection: 'reconnecting' }), current: GENERAL, opening: null }, now + 4_200, 100, now));
  assert.match(offline, /◌ offline — reconnecting in 5s/);
  assert.equal(text(statusLine({ snapshot: snapshot({ connection: 'closed' }), current: GENERAL, opening: null }, null, 100)).includes('✖ offline'), true);
  assert.ok(text(statusLine({ snapshot: snapshot(), current: GENERAL, opening: null }, null, 100)).length <= 100);
});

test('the opening view: header and tab name the conversation being set up, marked ⧗, without a second tab once it is listed', () => {
  const opening = { label: '@carol', kind: 'dm' as const, status: 'Setting up encryption with carol…' };
  const screen: ScreenState = { snapshot: snapshot(), current: null, opening };
  assert.match(text(headerLine(screen, 'host:8443', 100)), /◆ conclave {2}@carol · setting up…/);
  assert.match(text(statusLine(screen, null, 100)), /#general {2}@bob 2 {2}@carol ⧗ /);
  // The DM is listed already while its group is being set up: one tab for it.
  const listed = snapshot({
    conversations: [...snapshot().conversations, { conversationId: 'c-carol' as ConversationId, kind: 'dm', name: 'carol', seq: 0, unread: 0, mentions: 0 }],
  });
  const bar = text(statusLine({ snapshot: listed, current: null, opening }, null, 100));
  assert.equal(bar.match(/@carol/g)?.length, 1, bar);
  assert.match(bar, /@carol ⧗/);
});

test('the pane of an opening shows its status under the queued texts, which are pending (⧗)', () => {
  const empty = layoutPane([], 80, 4, 0, 'No messages', { footer: 'Setting up encryption with bob…' });
  assert.equal(text(empty.lines.at(-1)!).trim(), '⧗ Setting up encryption with bob…');
  const pending: PaneItem = { kind: 'message', key: 'p1', seq: Number.MAX_SAFE_INTEGER, at: Date.now(), sender: 'alice', text: 'hi bob', mine: true, status: 'pending' };
  const view = layoutPane([pending], 80, 4, 0, 'No messages', { footer: 'Setting up encryption with bob…' });
  const lines = view.lines.map(text);
  assert.match(lines.at(-2)!, /alice │ ⧗ hi bob$/);
  assert.equal(lines.at(-1)!.trim(), '⧗ Setting up encryption with bob…');
  assert.ok(view.lines.at(-2)!.segments.some((s) => s.text.includes('hi bob') && s.dim === true), 'pending text is dimmed');
});

test('a failed message says why and what to do; the "new messages" divider sits above the marked item', () => {
  const at = Date.now();
  const items: PaneItem[] = [
    { kind: 'message', key: 'm1', seq: 1, at, sender: 'bob', text: 'old', mine: false },
    { kind: 'message', key: 'm2', seq: 2, at, sender: 'bob', text: 'new one', mine: false },
    { kind: 'message', key: 'p3', seq: Number.MAX_SAFE_INTEGER, at, sender: 'alice', text: 'reply', mine: true, status: 'failed', error: 'Message too long.' },
  ];
  const view = layoutPane(items, 100, 8, 0, '', { marker: 'm2' });
  const lines = view.lines.map(text).filter((l) => l.trim() !== '');
  const divider = lines.findIndex((l) => l.includes(' new messages '));
  assert.ok(divider > 0 && lines[divider - 1]!.includes('old') && lines[divider + 1]!.includes('new one'), lines.join('\n'));
  assert.match(lines.at(-2)!, /alice │ ✖ reply$/);
  assert.match(lines.at(-1)!, /│ Not sent: Message too long — \/retry to send again, \/discard to drop it\.$/);
  assert.equal(view.dividerFromEnd, 3, 'three lines below the divider');
  // Scrolled far from it, the layout still finds the divider (so the UI can offer to jump).
  const many: PaneItem[] = Array.from({ length: 50 }, (_, i) => ({ kind: 'message', key: `k${i}`, seq: i + 1, at, sender: 'bob', text: `line ${i}`, mine: false }));
  assert.equal(layoutPane(many, 100, 5, 0, '', { marker: 'k10' }).dividerFromEnd, 40);
});

test('input line: the size counter shows near the limit only, as "N left" or "N too many", at the right edge', () => {
  assert.equal(sizeCounter({ bytes: 100, limitBytes: 300, charsLeft: 200, nearLimit: false }), null);
  assert.equal(sizeCounter({ bytes: 280, limitBytes: 300, charsLeft: 20, nearLimit: true })?.text.trim(), '20 left');
  const over = sizeCounter({ bytes: 337, limitBytes: 300, charsLeft: -37, nearLimit: true });
  assert.equal(over?.text.trim(), '37 too many');
  const line = text(inputLine('@bob', lineOf('x'.repeat(30)), 80, 'Message @bob', over));
  assert.equal(line.length, 79, 'the last column stays free (no wrap)');
  assert.match(line, /^@bob › x{30} +37 too many $/);
  assert.equal(sentText('hello'), 'hello');
  assert.equal(sentText('/msg bob hi there'), 'hi there');
  assert.equal(sentText('/help'), null);
});
