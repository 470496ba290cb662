import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { UnsignedNotice } from '@conclave/protocol';
import { PresenceAnnouncer, presenceSummary } from '../src/presence/announcer.js';

type Sent = Omit<UnsignedNotice, 'at'>;
const user = (name: string) => ({ userId: `id-${name}`, username: name }) as never;

/**
 * A clock for the announcer and node:test's mocked `setTimeout` moved together,
 * so the windows are exact whatever the machine's load (a real 80 ms window
 * flaked on a loaded CI machine).
 */
function fakeTime(t: TestContext): { now: () => number; advance: (ms: number) => void } {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let now = 1_000_000;
  return {
    now: () => now,
    advance(ms) {
      now += ms;
      t.mock.timers.tick(ms);
    },
  };
}

describe('presence announcer (issue 12: reconnect storms)', () => {
  it('sums up in words, three names at most per change', () => {
    assert.equal(presenceSummary([]), undefined);
    assert.equal(presenceSummary([{ username: 'ann', change: 'login' }]), 'ann logged in');
    assert.equal(
      presenceSummary([
        { username: 'ann', change: 'login' },
        { username: 'bo', change: 'login' },
      ]),
      'ann and bo logged in',
    );
    const many = ['a', 'b', 'c', 'd', 'e'].map((username) => ({ username, change: 'login' as const }));
    assert.equal(presenceSummary([...many, { username: 'z', change: 'logout' }]), 'a, b and 3 others logged in; z logged out');
    assert.equal(presenceSummary(many.slice(0, 4)), 'a, b and 2 others logged in');
  });

  it('announces one by one up to the burst, holds the rest of the window, and keeps summing while the storm goes on', (t) => {
    const time = fakeTime(t);
    const sent: Sent[] = [];
    const announcer = new PresenceAnnouncer((n) => sent.push(n), time.now, 2, 80);
    try {
      for (const name of ['a', 'b', 'c', 'd']) announcer.announce('login', user(name));
      assert.deepEqual(sent.map((n) => n.kind), ['login', 'login'], 'the burst goes out at once, the rest is held');
      // e logs in and out within the held window: nothing to say about e.
      announcer.announce('login', user('e'));
      announcer.announce('logout', user('e'));
      time.advance(150);
      assert.deepEqual(sent.slice(2), [{ kind: 'presence', text: 'c and d logged in' }]);
      // Right after a summary the next window sums up too.
      announcer.announce('logout', user('a'));
      assert.equal(sent.length, 3, 'held');
      time.advance(150);
      assert.deepEqual(sent[3], { kind: 'presence', text: 'a logged out' });
      // After a quiet window, one by one again.
      time.advance(120);
      announcer.announce('login', user('f'));
      assert.deepEqual(sent[4], { kind: 'login', user: { userId: 'id-f', username: 'f' } });
    } finally {
      announcer.stop();
    }
  });

  it('stop() drops what is held, unannounced', (t) => {
    const time = fakeTime(t);
    const sent: Sent[] = [];
    const announcer = new PresenceAnnouncer((n) => sent.push(n), time.now, 1, 40);
    announcer.announce('login', user('a'));
    announcer.announce('login', user('b'));
    announcer.stop();
    time.advance(80);
    assert.deepEqual(sent.map((n) => n.user?.username), ['a']);
  });
});
