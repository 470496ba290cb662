import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConclaveError } from '../src/index.js';
import { SyncController } from '../src/sync/sync-controller.js';
import { canTransition, MAX_GAP_ROUNDS, type SyncState } from '../src/sync/sync-state.js';

/** A controller over scripted rounds: `gaps[i]` says whether round i sees a gap while it runs. */
function scripted(gaps: boolean[], ready = true) {
  const transitions: string[] = [];
  let rounds = 0;
  let saves = 0;
  const controller: SyncController = new SyncController({
    sync: async () => {
      const round = rounds++;
      if (gaps[round] === true) controller.onGap(); // the log skipped a seq while this round's messages were applied
    },
    applied: async () => undefined,
    ready: () => ready,
    caughtUp: async () => void saves++,
    onTransition: (from: SyncState, to: SyncState) => transitions.push(`${from}→${to}`),
  });
  return { controller, transitions, rounds: () => rounds, saves: () => saves };
}

test('the sync state machine allows only the documented transitions', () => {
  assert.ok(canTransition('idle', 'syncing'));
  assert.ok(canTransition('syncing', 'retrying-gap'));
  assert.ok(canTransition('retrying-gap', 'syncing'));
  assert.ok(canTransition('retrying-gap', 'idle'));
  assert.ok(!canTransition('idle', 'retrying-gap'));
  assert.ok(!canTransition('idle', 'idle'));
  assert.ok(!canTransition('syncing', 'syncing'));
});

test('a gap seen during a catch-up runs one more round, then the controller is idle', async () => {
  const s = scripted([true, false]);
  await s.controller.catchUp();
  assert.equal(s.rounds(), 2);
  assert.deepEqual(s.transitions, ['idle→syncing', 'syncing→retrying-gap', 'retrying-gap→syncing', 'syncing→idle']);
  assert.equal(s.controller.state, 'idle');
  assert.equal(s.saves(), 1, 'cursors saved once caught up');
});

test(`a gap no round can fill is given up after ${MAX_GAP_ROUNDS} rounds`, async () => {
  const s = scripted(Array.from({ length: 10 }, () => true));
  await s.controller.catchUp();
  assert.equal(s.rounds(), MAX_GAP_ROUNDS);
  assert.equal(s.transitions.at(-1), 'retrying-gap→idle');
  // The next catch-up tries once more (the count is reset only by a round without a gap).
  await s.controller.catchUp();
  assert.equal(s.rounds(), MAX_GAP_ROUNDS + 1);
});

test('a gap while idle and ready starts a catch-up; while not ready it waits for the reconnect', async () => {
  const live = scripted([false]);
  live.controller.onGap();
  await live.controller.catchUp(); // waits for the one the gap started, then runs its own
  assert.equal(live.rounds(), 2);
  assert.equal(live.transitions[0], 'idle→syncing');

  const offline = scripted([], false);
  offline.controller.onGap();
  assert.equal(offline.controller.state, 'idle');
  assert.equal(offline.rounds(), 0);
});

test('a round that fails (socket lost) leaves the controller idle and rethrows', async () => {
  const transitions: string[] = [];
  const controller = new SyncController({
    sync: async () => {
      throw new ConclaveError('CONCLAVE_ERR_DISCONNECTED');
    },
    applied: async () => undefined,
    ready: () => true,
    caughtUp: async () => undefined,
    onTransition: (from, to) => transitions.push(`${from}→${to}`),
  });
  await assert.rejects(controller.catchUp(), { code: 'CONCLAVE_ERR_DISCONNECTED' });
  assert.deepEqual(transitions, ['idle→syncing', 'syncing→idle']);
});
