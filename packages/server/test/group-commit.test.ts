import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GroupCommit } from '../src/storage/group-commit.js';

/** A GroupCommit over a fake transaction that records each batch it commits. */
function recorder(commit: (items: number[]) => Array<number | Error> = (items) => items.map((i) => i * 10)) {
  const batches: number[][] = [];
  let release: (() => void) | undefined;
  let hold = false;
  const gc = new GroupCommit<number, number>(async (items) => {
    batches.push(items);
    if (hold) await new Promise<void>((r) => (release = r));
    return commit(items);
  }, 4);
  return {
    gc,
    batches,
    holdNext: () => (hold = true),
    release: () => {
      hold = false;
      release?.();
    },
  };
}

test('items submitted in one turn share one commit, in submission order, each settled with its own result', async () => {
  const { gc, batches } = recorder();
  const results = await Promise.all([1, 2, 3].map((i) => gc.submit(i)));
  assert.deepEqual(results, [10, 20, 30]);
  assert.deepEqual(batches, [[1, 2, 3]]);
});

test('a batch is bounded: more than maxBatch items go into several commits, still in order', async () => {
  const { gc, batches } = recorder();
  const results = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => gc.submit(i)));
  assert.deepEqual(results, [10, 20, 30, 40, 50, 60]);
  assert.deepEqual(batches, [
    [1, 2, 3, 4],
    [5, 6],
  ]);
});

test("an item's own refusal rejects that item only; the others of the batch are committed", async () => {
  const { gc } = recorder((items) => items.map((i) => (i === 2 ? new Error('refused 2') : i * 10)));
  const settled = await Promise.allSettled([1, 2, 3].map((i) => gc.submit(i)));
  assert.deepEqual(
    settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message)),
    [10, 'refused 2', 30],
  );
});

test('a failed transaction rejects every item of its batch with its error, and the next batch still runs', async () => {
  let fail = true;
  const gc = new GroupCommit<number, number>(async (items) => {
    if (fail) throw new Error('disk full');
    return items;
  });
  const settled = await Promise.allSettled([1, 2].map((i) => gc.submit(i)));
  assert.deepEqual(settled.map((s) => s.status), ['rejected', 'rejected']);
  assert.equal((settled[0] as PromiseRejectedResult).reason.message, 'disk full');
  fail = false;
  assert.equal(await gc.submit(3), 3);
});

test('items submitted while a commit is in flight wait for it, then form the next batch together', async () => {
  const { gc, batches, holdNext, release } = recorder();
  holdNext();
  const first = gc.submit(1);
  await new Promise((r) => setImmediate(r)); // the first batch is now committing (held)
  const later = [2, 3, 4].map((i) => gc.submit(i));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(batches, [[1]], 'nothing else starts while a commit is in flight');
  release();
  assert.deepEqual(await Promise.all([first, ...later]), [10, 20, 30, 40]);
  assert.deepEqual(batches, [[1], [2, 3, 4]]);
});
