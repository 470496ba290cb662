import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeqOrder } from '../src/bus/seq-order.js';
import { sleep } from './helpers.js';

/** A SeqOrder whose releases are recorded as `conversation:seq`. */
function recorder(holdMs = 30): { order: SeqOrder<string>; released: string[] } {
  const released: string[] = [];
  return { order: new SeqOrder<string>((c, seq, entry) => released.push(`${c}:${seq}:${entry}`), holdMs), released };
}

test('entries that arrive in order are released at once', () => {
  const { order, released } = recorder();
  for (const seq of [4, 5, 6]) order.offer('a', seq, 'x');
  assert.deepEqual(released, ['a:4:x', 'a:5:x', 'a:6:x']);
  order.stop();
});

test('an early entry waits for the one before it, then both go in order; conversations do not wait for each other', () => {
  const { order, released } = recorder();
  order.offer('a', 1, 'own');
  order.offer('a', 3, 'own');
  order.offer('b', 7, 'other');
  assert.deepEqual(released, ['a:1:own', 'b:7:other']);
  order.offer('a', 2, 'remote');
  assert.deepEqual(released, ['a:1:own', 'b:7:other', 'a:2:remote', 'a:3:own']);
  order.stop();
});

test('a gap that never fills is given up after the hold: what waited goes out in order, and the late one still goes out', async () => {
  const { order, released } = recorder(30);
  order.offer('a', 1, 'x');
  order.offer('a', 4, 'x');
  order.offer('a', 3, 'x');
  assert.deepEqual(released, ['a:1:x']);
  await sleep(80);
  assert.deepEqual(released, ['a:1:x', 'a:3:x', 'a:4:x']);
  order.offer('a', 2, 'late');
  order.offer('a', 5, 'x');
  assert.deepEqual(released, ['a:1:x', 'a:3:x', 'a:4:x', 'a:2:late', 'a:5:x']);
  order.stop();
});
