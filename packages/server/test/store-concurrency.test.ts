/**
 * The invariants SQLite's single writer gives for free, held on PostgreSQL
 * by two "nodes" (two `Stores`, each its own pool, as two server processes)
 * over one fresh database, writing at once. Fixed loop counts, no timing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { ServiceError } from '../src/errors.js';
import { newId } from '../src/ids.js';
import type { Stores } from '../src/storage/index.js';
import { openPostgres } from '../src/storage/postgres.js';
import { migrationProvider } from '../src/storage/migrations/index.js';
import { freshPostgres, postgresNodes } from './pg-database.js';
import { addDevice, addUser, entry, roomWithGroup } from './store-fixtures.js';

const isStaleEpoch = (r: PromiseSettledResult<unknown>): boolean =>
  r.status === 'rejected' && r.reason instanceof ServiceError && r.reason.code === 'CONCLAVE_ERR_STALE_EPOCH';

/** Runs `count` calls of `task` with at most `width` in flight. */
async function inParallel<T>(count: number, width: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

/** A Commit by `deviceId` at `epoch`. */
function commitAt(room: { conversationId: string; userId: string; deviceId: string }, epoch: number) {
  return {
    entry: entry(room.conversationId, room.userId, room.deviceId, `commit-${epoch}`, newId(), 'commit'),
    epoch,
    groupInfo: Buffer.from(`group-info-${epoch + 1}`),
    groupInfoWanted: false,
    external: false,
    added: [],
    removed: [],
    welcome: undefined,
  };
}

test('two nodes starting at once on a fresh database both open it; the migrations run once', async () => {
  const database = await freshPostgres();
  try {
    const [a, b] = await Promise.all([openPostgres(database.url), openPostgres(database.url)]);
    try {
      const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(a);
      const all = Object.keys(await migrationProvider.getMigrations()).sort();
      assert.ok(all.includes('006_blobs'));
      assert.deepEqual(
        rows.map((r) => r.name),
        all,
        'every migration once',
      );
      await sql`select 1 from server_secrets`.execute(b);
    } finally {
      await Promise.all([a.destroy(), b.destroy()]);
    }
  } finally {
    await database.drop();
  }
});

describe('two nodes on one PostgreSQL database', () => {
  let nodes: Stores[] = [];
  let dispose: () => Promise<void> = async () => undefined;
  let a: Stores;
  let b: Stores;
  before(async () => {
    ({ nodes, dispose } = await postgresNodes(2));
    [a, b] = nodes as [Stores, Stores];
  });
  after(() => dispose());

  test('200 appends to one conversation from both nodes get seqs 1..200, no gap, no duplicate', async () => {
    const room = await roomWithGroup(a, 'busy');
    const results = await inParallel(200, 16, (i) =>
      (i % 2 === 0 ? a : b).delivery.appendApplication(entry(room.conversationId, room.userId, room.deviceId, `m${i}`), 0),
    );
    assert.deepEqual(
      results.map((r) => r.seq).sort((x, y) => x - y),
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
    const log = await b.delivery.readAfter(room.conversationId, 0, 500);
    assert.deepEqual(
      log.map((m) => m.seq),
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
    assert.equal((await a.conversations.findById(room.conversationId))?.lastSeq, 200);
  });

  test('the same client message id sent from both nodes at once is stored once; both get its seq', async () => {
    const room = await roomWithGroup(a, 'retry');
    for (let i = 0; i < 50; i++) {
      const send = (node: Stores) => node.delivery.appendApplication(entry(room.conversationId, room.userId, room.deviceId, `m${i}`, `cm-${i}`), 0);
      const [x, y] = await Promise.all([send(a), send(b)]);
      assert.equal(x.seq, y.seq);
      assert.deepEqual([x.duplicate, y.duplicate].sort(), [false, true]);
    }
    const log = await a.delivery.readAfter(room.conversationId, 0, 500);
    assert.deepEqual(
      log.map((m) => m.clientMsgId),
      Array.from({ length: 50 }, (_, i) => `cm-${i}`),
    );
  });

  test('two Commits at the same epoch from both nodes: one wins, the other is STALE_EPOCH, the epoch advances by one', async () => {
    const room = await roomWithGroup(a, 'commits');
    for (let epoch = 0; epoch < 30; epoch++) {
      const outcomes = await Promise.allSettled([a.groups.commit(commitAt(room, epoch), 1), b.groups.commit(commitAt(room, epoch), 1)]);
      assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1, `epoch ${epoch}`);
      assert.equal(outcomes.filter(isStaleEpoch).length, 1, `epoch ${epoch}`);
      assert.equal((await b.groups.find(room.conversationId))?.epoch, epoch + 1);
    }
    assert.equal((await a.delivery.readAfter(room.conversationId, 0, 100)).length, 30);
  });

  test('application messages racing a Commit land before its seq at the old epoch, or are refused STALE_EPOCH', async () => {
    const room = await roomWithGroup(a, 'race');
    let landed = 0;
    for (let epoch = 0; epoch < 30; epoch++) {
      const sends = Array.from({ length: 4 }, (_, i) =>
        (i % 2 === 0 ? b : a).delivery.appendApplication(entry(room.conversationId, room.userId, room.deviceId, `e${epoch}-${i}`), epoch),
      );
      const [committed, ...outcomes] = await Promise.allSettled([a.groups.commit(commitAt(room, epoch), 1), ...sends]);
      assert.equal(committed?.status, 'fulfilled');
      const commitSeq = (committed as PromiseFulfilledResult<{ seq: number }>).value.seq;
      for (const o of outcomes) {
        if (o.status === 'fulfilled') {
          assert.ok(o.value.seq < commitSeq, `message seq ${o.value.seq} after Commit seq ${commitSeq}`);
          landed++;
        } else assert.ok(isStaleEpoch(o), String(o.reason));
      }
    }
    // Every entry after a Commit is at the next epoch: the log alternates cleanly.
    const log = await a.delivery.readAfter(room.conversationId, 0, 1000);
    assert.equal(log.length, 30 + landed);
    let epoch = 0;
    for (const m of log) {
      if (m.kind === 'commit') epoch++;
      else assert.equal(Buffer.from(m.body).toString().split('-')[0], `e${epoch}`);
    }
  });

  test('one invite code used by two registrations at once makes exactly one user', async () => {
    for (let i = 0; i < 20; i++) {
      const codeHash = `invite-${i}`;
      await a.accounts.insertInvite({ codeHash, role: 'member', kind: 'invite', createdBy: null, createdAt: 1, expiresAt: 10_000 });
      const register = (node: Stores, username: string) =>
        node.accounts.insertUser({ id: newId(), username, usernameKey: username, passwordHash: 'h', role: 'member', createdAt: 1, deletedAt: null }, codeHash, 5);
      const outcomes = await Promise.allSettled([register(a, `first-${i}`), register(b, `second-${i}`)]);
      assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
      const refusal = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      assert.equal((refusal.reason as ServiceError).code, 'CONCLAVE_ERR_INVITE_INVALID');
      const made = await Promise.all([a.accounts.findUserByKey(`first-${i}`), a.accounts.findUserByKey(`second-${i}`)]);
      assert.equal(made.filter(Boolean).length, 1);
    }
  });

  test('one-time KeyPackages claimed from both nodes at once are each handed out once; the last-resort one is kept', async () => {
    const owner = await addUser(a, 'kp-owner');
    const device = await addDevice(a, owner);
    const claimer = await addDevice(a, await addUser(a, 'kp-claimer'));
    for (let i = 0; i < 4; i++) {
      const batch = Array.from({ length: 25 }, (_, j) => Buffer.from(`kp-${i * 25 + j}`));
      await a.devices.addKeyPackages(device, batch, i === 0 ? Buffer.from('kp-last-resort') : undefined, 1000, 10 + i);
    }
    const claims = await inParallel(120, 8, (i) => (i % 2 === 0 ? a : b).devices.claimKeyPackages([owner], claimer));
    const handedOut = claims.map((c) => Buffer.from(c[0]!.keyPackage!).toString());
    const oneTime = handedOut.filter((kp) => kp !== 'kp-last-resort');
    assert.equal(oneTime.length, 100);
    assert.equal(new Set(oneTime).size, 100);
    assert.equal(handedOut.length - oneTime.length, 20);
    assert.deepEqual(await b.devices.stock(device), { count: 0, hasLastResort: true });
  });

  test('two admins demoting (or deleting) each other at once on two nodes leave at least one admin', async () => {
    const survivors = async () => (await a.accounts.listUsers(0)).filter((u) => u.role === 'admin').map((u) => u.userId);
    for (let i = 0; i < 20; i++) {
      const x = await addUser(a, `admin-x-${i}`, 'admin');
      const y = await addUser(a, `admin-y-${i}`, 'admin');
      // Only x and y are admins when the race starts.
      for (const old of await survivors()) if (old !== x && old !== y) assert.equal(await a.accounts.setRole(old, 'member'), true);
      const outcomes =
        i % 2 === 0
          ? await Promise.all([a.accounts.setRole(x, 'member'), b.accounts.setRole(y, 'member')])
          : await Promise.all([a.accounts.markDeleted(x, 7), b.accounts.setRole(y, 'member')]);
      assert.deepEqual(outcomes.sort(), [false, true], `round ${i}`);
      assert.equal(await b.accounts.countAdmins(), 1, `round ${i}`);
    }
  });

  test('batches over two conversations in opposite orders on both nodes never reach the caller as a deadlock', async () => {
    const one = await roomWithGroup(a, 'left');
    const two = await roomWithGroup(a, 'right');
    const send = (node: Stores, room: typeof one, text: string) =>
      node.delivery.appendApplication(entry(room.conversationId, room.userId, room.deviceId, text), 0);
    for (let i = 0; i < 50; i++) {
      // Submitted in one turn, each node's four appends share one transaction (GroupCommit).
      await Promise.all([
        send(a, one, `a1-${i}`),
        send(a, two, `a2-${i}`),
        send(b, two, `b2-${i}`),
        send(b, one, `b1-${i}`),
        send(a, one, `a1'-${i}`),
        send(b, two, `b2'-${i}`),
      ]);
    }
    assert.equal((await a.conversations.findById(one.conversationId))?.lastSeq, 150);
    assert.equal((await a.conversations.findById(two.conversationId))?.lastSeq, 150);
  });
});
