import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  deviceLines,
  mergeHistory,
  safetyNumberLines,
  safetyNumberRows,
  securityLevel,
  securityText,
  VerifyCommands,
  type ChatMessage,
  type ConclaveClient,
  type DeviceView,
  type PaneItem,
  type SafetyNumber,
} from '@conclave/client';
import type { ConversationId, DeviceId, UserId } from '@conclave/protocol';
import { formatReadJson, formatReadLine } from '../src/format.js';
import { layoutPane } from '../src/tui/pane.js';

const NUMBER = Array.from({ length: 12 }, (_, i) => String(10000 + i * 7)).join(' ');
const msg = (seq: number, text = `m${seq}`): PaneItem => ({ kind: 'message', key: `c:${seq}`, seq, at: 0, sender: 'bob', text, mine: false });
const sys = (text: string): PaneItem => ({ kind: 'system', key: text, at: 0, text, tone: 'info' });
const shape = (items: PaneItem[]): string[] => items.map((i) => (i.kind === 'message' ? `#${i.seq}` : i.text));

test('history goes above this session\'s lines, and between live messages by seq', () => {
  assert.deepEqual(shape(mergeHistory([sys('joined'), msg(7)], [msg(2), msg(3)])), ['#2', '#3', 'joined', '#7']);
  assert.deepEqual(shape(mergeHistory([sys('a')], [msg(1)])), ['#1', 'a']);
  assert.deepEqual(shape(mergeHistory([msg(2), sys('x'), msg(5)], [msg(1), msg(4), msg(9)])), ['#1', '#2', 'x', '#4', '#5', '#9']);
  assert.deepEqual(shape(mergeHistory([], [])), []);
});

test('a safety number reads as 3 rows of 4 groups, with how to confirm it', () => {
  assert.deepEqual(safetyNumberRows(NUMBER), [NUMBER.split(' ').slice(0, 4).join(' '), NUMBER.split(' ').slice(4, 8).join(' '), NUMBER.split(' ').slice(8).join(' ')]);
  const shown: SafetyNumber = { userId: 'u' as UserId, username: 'bob', number: NUMBER, covered: [{ deviceId: 'd' as DeviceId, key: new Uint8Array(32) }] };
  const lines = safetyNumberLines(shown, false);
  assert.equal(lines.heading, "Safety number with bob (covers bob's 1 device):");
  assert.equal(lines.number.length, 3);
  assert.equal(lines.instructions, 'Compare with bob in person or on a call. If it matches, type /verify bob yes');
  assert.match(safetyNumberLines(shown, true).instructions, /on your other device/);
});

test('a device list names each device, its fingerprint, date and trust', () => {
  const d = (over: Partial<DeviceView>): DeviceView => ({
    deviceId: 'd1' as DeviceId,
    name: 'laptop',
    fingerprint: '0123 4567 89ab cdef 0123 4567 89ab cdef',
    createdAt: new Date(2026, 10, 21, 12).getTime(),
    verified: false,
    pinned: true,
    current: false,
    ...over,
  });
  const lines = deviceLines('bob', [d({ verified: true }), d({ name: 'phone\u001b[31m' }), d({ name: 'tablet', pinned: false })], false);
  assert.deepEqual(lines, [
    'Devices of bob (3):',
    '  laptop — verified',
    '      0123 4567 89ab cdef 0123 4567 89ab cdef   added 2026-11-21',
    '  phone[31m — unverified',
    '      0123 4567 89ab cdef 0123 4567 89ab cdef   added 2026-11-21',
    '  tablet — unverified, not seen in your conversations yet',
    '      0123 4567 89ab cdef 0123 4567 89ab cdef   added 2026-11-21',
    'Compare safety numbers with /verify bob to verify them.',
  ]);
  assert.deepEqual(deviceLines('alice', [d({ current: true })], true).slice(0, 2), ['Your devices (1):', '  laptop — (this device)']);
});

test('security events: first contact is quiet, a changed key is loud; one clean line', () => {
  assert.equal(securityLevel('first-contact'), 'info');
  assert.equal(securityLevel('new-device'), 'warning');
  assert.equal(securityLevel('changed-key'), 'danger');
  assert.equal(securityLevel('directory-mismatch'), 'danger');
  assert.equal(securityText({ kind: 'changed-key', text: '⚠ The key\nCHANGED\u0007.' }), 'The key CHANGED.');
});

test('the pane tags messages from untrusted devices and marks security lines', () => {
  const items: PaneItem[] = [
    { ...msg(1, 'hello'), trust: 'changed-key' } as PaneItem,
    { ...msg(2, 'hi'), trust: 'new-device' } as PaneItem,
    { kind: 'security', key: 's', at: 0, text: 'bob has a new, unverified device', level: 'warning' },
  ];
  const view = layoutPane(items, 80, 3, 0, '');
  const text = view.lines.map((l) => l.segments.map((s) => s.text).join(''));
  assert.match(text[0]!, /bob │ \[KEY CHANGED\] hello$/);
  assert.match(text[1]!, /bob │ \[new device\] hi$/);
  assert.match(text[2]!, /⚠ │ bob has a new, unverified device$/);
  const tag = view.lines[0]!.segments.find((s) => s.text.trim() === '[KEY CHANGED]');
  assert.equal(tag?.color, 'red');
});

test('read output carries the trust mark', () => {
  const m: ChatMessage = {
    conversationId: 'c' as ConversationId,
    conversation: { conversationId: 'c' as ConversationId, kind: 'room', name: '#general', seq: 3 } as ChatMessage['conversation'],
    seq: 3,
    sender: { userId: 'u' as UserId, username: 'bob', deviceId: 'd' as DeviceId },
    sentAt: 0,
    text: 'hi',
    clientMsgId: 'x',
    mine: false,
    trust: 'new-device',
  };
  assert.match(formatReadLine(m), /bob: \[new device\] hi$/);
  assert.equal(JSON.parse(formatReadJson(m)).trust, 'new-device');
  assert.equal(JSON.parse(formatReadJson({ ...m, trust: undefined } as ChatMessage)).trust, undefined);
});

test('/verify USER yes confirms only the safety number last shown for USER', async () => {
  let number = NUMBER;
  const confirmed: string[] = [];
  const fake = {
    snapshot: () => ({ me: { userId: 'me' as UserId, username: 'alice' } }),
    verification: {
      safetyNumber: async (username: string): Promise<SafetyNumber> => ({ userId: 'u' as UserId, username, number, covered: [] }),
      confirm: async (n: SafetyNumber) => void confirmed.push(n.number),
    },
  } as unknown as ConclaveClient;
  const out: string[] = [];
  const verify = new VerifyCommands(fake, (text, tone = 'info') => out.push(`${tone}: ${text}`));

  await verify.verify('bob', true);
  assert.deepEqual(confirmed, [], 'never shown: not confirmed');
  assert.match(out[0]!, /^error: First compare the safety number with bob/);
  await verify.verify('bob', true);
  assert.deepEqual(confirmed, [NUMBER], 'shown just before: confirmed');
  assert.equal(out.at(-1), 'ok: bob is verified (0 devices).');

  out.length = 0;
  await verify.verify('bob', false);
  number = NUMBER.replace('1', '9');
  await verify.verify('bob', true);
  assert.equal(confirmed.length, 1, 'the number changed since it was shown: not confirmed');
  assert.ok(out.some((l) => /changed since it was shown/.test(l)));
  assert.ok(out.some((l) => l.includes(safetyNumberRows(number)[0]!)), 'the new number is shown');
});
