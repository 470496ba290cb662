import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConversationId, DeviceId, UserId } from '@conclave/protocol';
import { MessageSearch, SEARCH_RECORD } from '../src/search/message-search.js';
import { MemoryStore, type HistoryEntry } from '../src/store/store.js';

const general = 'conv-general' as ConversationId;
const random = 'conv-random' as ConversationId;

function entry(conversationId: ConversationId, seq: number, text: string, more: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    conversationId,
    seq,
    sender: { userId: 'u-alice' as UserId, username: 'alice', deviceId: 'd-1' as DeviceId },
    sentAt: 1_700_000_000_000 + seq * 1000,
    text,
    clientMsgId: `m-${conversationId}-${seq}`,
    mine: false,
    ...more,
  };
}

/** Timers fired by hand: a save happens only when the test says so. */
function manualTimers() {
  const pending = new Map<number, { fn: () => void; ms: number }>();
  let next = 0;
  return {
    options: {
      setTimer: (fn: () => void, ms: number) => (pending.set(++next, { fn, ms }), next),
      clearTimer: (h: unknown) => void pending.delete(h as number),
    },
    /** The delays of the pending timers, shortest first. */
    get delays() {
      return [...pending.values()].map((t) => t.ms).sort((a, b) => a - b);
    },
    /** Fires the pending timer of the shortest delay. */
    fire() {
      const [id, timer] = [...pending].sort(([, a], [, b]) => a.ms - b.ms)[0]!;
      pending.delete(id);
      timer.fn();
    },
  };
}

async function loaded(store = new MemoryStore()): Promise<{ store: MemoryStore; search: MessageSearch }> {
  const search = new MessageSearch(store, manualTimers().options);
  await search.load();
  return { store, search };
}

const seqs = (hits: { seq: number }[]) => hits.map((h) => h.seq);

test('finds an old message by a word, a prefix, a typo, regardless of case and accents', async () => {
  const { search } = await loaded();
  search.add([
    entry(general, 1, 'Shall we have lunch at the Café tomorrow?'),
    entry(general, 4, 'Meet at Karl-Marx-Straße 5'),
    entry(general, 2, 'The deployment finished without errors'),
    entry(general, 3, 'ok'),
  ]);
  assert.equal(search.size, 4);
  assert.deepEqual(seqs(search.search('lunch', 10)), [1]);
  assert.deepEqual(seqs(search.search('deploy', 10)), [2], 'prefix');
  assert.deepEqual(seqs(search.search('tomorow', 10)), [1], 'one typo');
  assert.deepEqual(seqs(search.search('deploymnet finsihed', 10)), [2], 'a typo in each word');
  assert.deepEqual(seqs(search.search('CAFE', 10)), [1], 'case and accents');
  assert.deepEqual(seqs(search.search('strasse', 10)), [4], 'ß as ss');
  assert.deepEqual(seqs(search.search('lunch deployment', 10)), [], 'every word must match');
  const [hit] = search.search('lunch', 10);
  assert.deepEqual({ ...hit, score: undefined }, {
    conversationId: general, seq: 1, sentAt: 1_700_000_001_000, sender: 'alice', text: 'Shall we have lunch at the Café tomorrow?', score: undefined,
  });
  assert.ok(hit!.score > 0);
});

test('finds messages by their sender, and by words of unspaced scripts and emoji', async () => {
  const { search } = await loaded();
  search.add([
    entry(general, 1, 'hello', { sender: { userId: 'u-bob' as UserId, username: 'bob', deviceId: 'd-2' as DeviceId } }),
    entry(general, 2, '今日は良い天気ですね'),
    entry(general, 3, 'shipped 🎉🎉'),
  ]);
  assert.deepEqual(seqs(search.search('bob', 10)), [1]);
  assert.deepEqual(seqs(search.search('天気', 10)), [2], 'a Japanese word inside a sentence');
  assert.deepEqual(seqs(search.search('🎉', 10)), [3]);
});

test('an empty query, or one of punctuation only, finds nothing; limit caps the hits, newest first among equals', async () => {
  const { search } = await loaded();
  search.add([1, 2, 3, 4].map((seq) => entry(general, seq, 'standup notes')));
  assert.deepEqual(search.search('', 10), []);
  assert.deepEqual(search.search('  ?! ', 10), []);
  assert.deepEqual(seqs(search.search('standup', 2)), [4, 3]);
  assert.deepEqual(search.search('standup', 0), []);
});

test('an edit makes the old text unfindable and the new findable, keeping the original sender and time', async () => {
  const { search } = await loaded();
  search.add([entry(general, 1, 'meet at the station'), entry(general, 2, 'meet at the harbour', { kind: 'edit', target: 1 })]);
  assert.deepEqual(search.search('station', 10), []);
  const [hit] = search.search('harbour', 10);
  assert.equal(hit?.seq, 1);
  assert.equal(hit?.sentAt, 1_700_000_001_000);
  assert.equal(search.size, 1);

  search.add([entry(general, 1, 'meet at the station')]);
  assert.deepEqual(search.search('station', 10), [], 'the original arriving again keeps the edited text');
  search.add([entry(general, 3, 'meet at the airport', { kind: 'edit', target: 1 }), entry(general, 2, 'meet at the harbour', { kind: 'edit', target: 1 })]);
  assert.deepEqual(seqs(search.search('airport', 10)), [1], 'an older edit does not undo a newer one');
  assert.deepEqual(search.search('harbour', 10), []);
});

test('a delete removes the message, and its words leave the saved record', async () => {
  const { store, search } = await loaded();
  search.add([entry(general, 1, 'the vault code is zebra'), entry(general, 2, 'hello')]);
  search.add([entry(general, 3, '', { kind: 'delete', target: 1 })]);
  assert.deepEqual(search.search('zebra', 10), []);
  assert.equal(search.size, 1);
  search.add([entry(general, 4, 'secret', { deleted: true })]);
  assert.deepEqual(search.search('secret', 10), [], 'an entry stored deleted is not added');
  await search.flush();
  const record = new TextDecoder().decode(store.records.get(SEARCH_RECORD));
  assert.ok(!record.includes('zebra') && !record.includes('vault'), 'no trace of the deleted words');
});

test('the index survives a new MessageSearch over the same store (after flush)', async () => {
  const { store, search } = await loaded();
  search.add([entry(general, 1, 'quarterly report draft'), entry(random, 7, 'lunch?')]);
  await search.flush();
  const record = JSON.parse(new TextDecoder().decode(store.records.get(SEARCH_RECORD))) as { v: number };
  assert.equal(record.v, 1);

  const again = new MessageSearch(store);
  await again.load();
  assert.equal(again.size, 2);
  assert.deepEqual(seqs(again.search('report', 10)), [1]);
  assert.deepEqual(seqs(again.search('lumch', 10)), [7]);
});

test('an unreadable record, or one of another version, starts empty', async () => {
  for (const bytes of [new Uint8Array([0xff, 0x00, 0x7b]), new TextEncoder().encode('{"v":1,"index":{"nonsense":true}}'), new TextEncoder().encode('{"v":2,"index":{}}')]) {
    const store = new MemoryStore();
    await store.saveRecord(SEARCH_RECORD, bytes);
    const { search } = await loaded(store);
    assert.equal(search.size, 0);
    search.add([entry(general, 1, 'fresh start')]);
    assert.deepEqual(seqs(search.search('fresh', 10)), [1]);
  }
});

test('a search can be restricted to one conversation; forget removes a conversation', async () => {
  const { search } = await loaded();
  search.add([entry(general, 1, 'release on friday'), entry(random, 1, 'release party'), entry(random, 2, 'party hats')]);
  assert.equal(search.search('release', 10).length, 2);
  assert.deepEqual(search.search('release', 10, random).map((h) => [h.conversationId, h.seq]), [[random, 1]]);
  search.forget(random);
  assert.equal(search.size, 1);
  assert.deepEqual(search.search('party', 10), []);
  assert.deepEqual(search.search('release', 10).map((h) => h.conversationId), [general]);
});

test('saves are debounced and never overlap; the last state wins', async () => {
  const store = new MemoryStore();
  let writing = 0;
  let writes = 0;
  let release: () => void = () => undefined;
  const save = store.saveRecord.bind(store);
  store.saveRecord = async (key, value) => {
    assert.equal(writing, 0, 'two saves at once');
    writing++;
    writes++;
    await new Promise<void>((resolve) => (release = resolve));
    await save(key, value);
    writing--;
  };
  const timers = manualTimers();
  const search = new MessageSearch(store, timers.options);
  await search.load();

  search.add([entry(general, 1, 'alpha')]);
  assert.deepEqual(timers.delays, [2_000, 30_000], 'a save after 2 s of quiet, or 30 s at the latest');
  search.add([entry(general, 2, 'beta')]);
  assert.deepEqual(timers.delays, [2_000, 30_000], 'the next change restarts the quiet time, not the deadline');
  assert.equal(writes, 0, 'nothing saved before the delay');
  timers.fire();
  assert.deepEqual(timers.delays, [], 'the save cancels the deadline');
  while (writing === 0) await new Promise((resolve) => setImmediate(resolve));
  search.add([entry(general, 3, 'gamma')]);
  const first = search.flush();
  search.add([entry(general, 4, 'delta')]);
  const second = search.flush();
  assert.deepEqual(timers.delays, [], 'flush takes the place of the timed save');
  release();
  while (writes < 2) await new Promise((resolve) => setImmediate(resolve));
  release();
  await Promise.all([first, second]);
  assert.equal(writes, 2, 'the save in flight, then one save for both later changes');

  const again = new MessageSearch(store);
  await again.load();
  assert.equal(again.size, 4, 'the last state was stored');
  await search.flush();
  assert.equal(writes, 2, 'nothing changed, nothing written');
});

test('changes made before load are kept, and nothing is saved before load', async () => {
  const store = new MemoryStore();
  const old = new MessageSearch(store);
  await old.load();
  old.add([entry(general, 1, 'archived words')]);
  await old.flush();

  const search = new MessageSearch(store, manualTimers().options);
  search.add([entry(general, 2, 'came early')]);
  await search.flush();
  const stored = new MessageSearch(store);
  await stored.load();
  assert.equal(stored.size, 1, 'the flush before load wrote nothing');

  await search.load();
  assert.equal(search.size, 2);
  assert.deepEqual(seqs(search.search('archived', 10)), [1]);
  assert.deepEqual(seqs(search.search('early', 10)), [2]);
});
