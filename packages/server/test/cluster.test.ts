import assert from 'node:assert/strict';
import { get } from 'node:https';
import { after, before, describe, test } from 'node:test';
import type { ServerFrame } from '@conclave/protocol';
import { RedisCable, startCluster, type ClusterNode, type TestCluster } from './cluster-env.js';
import { blobRequest, randomBlob } from './blob-http.js';
import { newClientMsgId, RawClient, randomSignatureKey, sleep } from './helpers.js';
import { joinRoom, MlsDevice } from './mls-fixture.js';

// Issue 15: N identical nodes on one PostgreSQL database and one Redis.

/** Every `message` frame of one connection for a conversation appears once: no seq twice, none out of order. */
function assertOnceInOrder(device: MlsDevice, conversationId: string): void {
  const seqs = device.client.messages(conversationId).map((m) => m.seq);
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), `${device.username}: in seq order`);
  assert.equal(new Set(seqs).size, seqs.length, `${device.username}: each seq once`);
}

/** GET `path` from a node (self-signed certificate): status and JSON body. */
function getJson(node: ClusterNode, path: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = get(`${node.url}${path}`, { rejectUnauthorized: false, timeout: 5_000 }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

/** Moves a device to another node: connects there as the same device and syncs from its cursors. */
async function moveTo(device: MlsDevice, node: ClusterNode): Promise<void> {
  device.server = node;
  await device.connect();
  await device.sync();
}

/** Makes `members[0]` create the conversation's group and add the others; each accepts its Welcome. */
async function groupOf(conversationId: string, creator: MlsDevice, ...others: MlsDevice[]): Promise<void> {
  for (const d of others) assert.equal((await d.publish(3)).type, 'key_package_stock');
  assert.equal((await creator.createGroup(conversationId)).type, 'committed');
  const added = await creator.addUsers(conversationId, others.map((d) => d.userId));
  assert.equal(added.type, 'committed', JSON.stringify(added));
  for (const d of others) await d.acceptWelcome(conversationId);
}

describe('two nodes on one PostgreSQL database and one Redis', () => {
  let cluster: TestCluster;
  let a: ClusterNode;
  let b: ClusterNode;
  const devices: MlsDevice[] = [];

  before(async () => {
    cluster = await startCluster();
    a = await cluster.node('node-a');
    b = await cluster.node('node-b');
    await cluster.addUsers('alice', 'bob', 'carol', 'dave', 'root', 'erin', 'frank', 'gina', 'hank', 'ivan');
    const { runShellAdmin } = await import('../src/index.js');
    await runShellAdmin({ dataDir: cluster.dataDir, databaseUrl: cluster.databaseUrl }, { action: 'promote', username: 'root' });
  });
  after(async () => {
    for (const d of devices) d.close();
    await cluster.dispose();
  });

  const login = async (node: ClusterNode, name: string): Promise<MlsDevice> => {
    const d = await MlsDevice.login(node, name);
    devices.push(d);
    return d;
  };

  test('both nodes present one server: the same notice key and setup code', async () => {
    const hello = async (node: ClusterNode) => {
      const client = await RawClient.connect(node);
      const frame = await client.hello();
      client.close();
      return frame;
    };
    const [ha, hb] = await Promise.all([hello(a), hello(b)]);
    assert.ok(ha.type === 'hello' && hb.type === 'hello');
    assert.equal(ha.noticeKey, hb.noticeKey);
    assert.ok(a.setupCode !== null && a.setupCode === b.setupCode, 'one setup code for the cluster');
  });

  test('/healthz on each node reports the database and Redis', async () => {
    for (const node of [a, b]) assert.deepEqual(await getJson(node, '/healthz'), { status: 200, body: { status: 'ok', database: 'ok', redis: 'ok' } });
  });

  test('alice on node A and bob on node B chat in #general and in a DM, every message once and in order; /who on either lists both', async () => {
    const alice = await login(a, 'alice');
    const bob = await login(b, 'bob');
    const general = alice.conversationId('#general');
    await groupOf(general, alice, bob);
    for (let i = 0; i < 10; i++) {
      assert.equal((await alice.send(general, `a${i}`)).type, 'sent');
      assert.equal((await bob.send(general, `b${i}`)).type, 'sent');
    }
    const expected = Array.from({ length: 10 }, (_, i) => [`a${i}`, `b${i}`]).flat();
    assert.deepEqual((await bob.waitRead(general, 20)).map((m) => m.text), expected);
    assert.deepEqual((await alice.waitRead(general, 20)).map((m) => m.text), expected);

    const dm = await alice.client.request({ type: 'open_dm', username: 'bob' });
    assert.ok(dm.type === 'conversation');
    const dmId = dm.conversation.conversationId;
    // The DM's announcement crosses the bus to bob's node.
    await bob.client.waitFor((f) => f.type === 'conversation' && f.conversation.conversationId === dmId);
    await groupOf(dmId, alice, bob);
    assert.equal((await alice.send(dmId, 'psst, bob')).type, 'sent');
    assert.equal((await bob.send(dmId, 'hi alice')).type, 'sent');
    assert.deepEqual((await bob.waitRead(dmId, 2)).map((m) => m.text), ['psst, bob', 'hi alice']);
    assert.deepEqual((await alice.waitRead(dmId, 2)).map((m) => m.text), ['psst, bob', 'hi alice']);
    for (const d of [alice, bob]) for (const id of [general, dmId]) assertOnceInOrder(d, id);

    for (const d of [alice, bob]) {
      const who = await d.client.request({ type: 'who' });
      assert.ok(who.type === 'who');
      assert.deepEqual(
        who.online.map((u) => u.username),
        ['alice', 'bob'],
        `/who on ${d === alice ? 'node A' : 'node B'}`,
      );
    }
  });

  test('a file uploaded through node A and announced there is downloaded through node B (one blob directory); a non-member is refused on both', async () => {
    const alice = await login(a, 'gina');
    const bob = await login(b, 'hank');
    const dm = await alice.client.request({ type: 'open_dm', username: 'hank' });
    assert.ok(dm.type === 'conversation');
    const dmId = dm.conversation.conversationId;
    await bob.client.waitFor((f) => f.type === 'conversation' && f.conversation.conversationId === dmId);
    await groupOf(dmId, alice, bob);
    const blob = randomBlob(300_000);
    assert.equal((await blobRequest(a, 'PUT', blob.id, { token: alice.session.token!, body: blob.bytes })).status, 201);
    const clientMsgId = newClientMsgId();
    const sent = await alice.client.request({ type: 'send', conversationId: dmId, clientMsgId, body: await alice.encrypt(dmId, 'a file', clientMsgId), attachments: [blob.id] });
    assert.equal(sent.type, 'sent', JSON.stringify(sent));
    const got = await blobRequest(b, 'GET', blob.id, { token: bob.session.token! });
    assert.equal(got.status, 200);
    assert.ok(got.body.equals(blob.bytes), 'the same bytes through the other node');
    const ivan = await login(b, 'ivan');
    for (const node of [a, b]) assert.equal((await blobRequest(node, 'GET', blob.id, { token: ivan.session.token! })).status, 403);
  });

  test('two members on different nodes commit at the same epoch: one wins, the other retries, no fork', async () => {
    const carol = await login(a, 'carol');
    const dave = await login(b, 'dave');
    const room = await joinRoom('#forks', carol, dave);
    await groupOf(room, carol, dave);
    const epoch = carol.epoch(room);
    assert.equal(dave.epoch(room), epoch);
    // Both update their own leaf at the same epoch, at once, through different nodes.
    const [fromCarol, fromDave] = await Promise.all([carol.commit(room, {}), dave.commit(room, {})]);
    const codes = [fromCarol, fromDave].map((f: ServerFrame) => (f.type === 'error' ? f.code : f.type)).sort();
    assert.deepEqual(codes, ['CONCLAVE_ERR_STALE_EPOCH', 'committed']);
    const [winner, loser] = fromCarol.type === 'committed' ? [carol, dave] : [dave, carol];
    // The loser reads the winner's Commit and retries on top of it.
    await loser.readUntil(room, (await loser.client.waitForMessages(room, 1)).at(-1)!.seq);
    while (loser.epoch(room) === epoch) {
      await loser.read(room);
      await sleep(10);
    }
    assert.equal((await loser.commit(room, {})).type, 'committed');
    while (winner.epoch(room) === epoch + 1) {
      await winner.read(room);
      await sleep(10);
    }
    assert.equal((await winner.send(room, 'same epoch?')).type, 'sent');
    assert.deepEqual((await loser.waitRead(room, 1)).map((m) => m.text), ['same epoch?']);
    assert.equal(winner.epoch(room), epoch + 2);
    assert.equal(loser.epoch(room), epoch + 2);
  });

  test("an admin's /logoutuser on node A closes bob's connection on node B within a second", async () => {
    const root = await login(a, 'root');
    const bob = await login(b, 'bob');
    const started = Date.now();
    const reply = await root.client.request({ type: 'admin', command: { action: 'logout_user', username: 'bob' } });
    assert.equal(reply.type, 'admin', JSON.stringify(reply));
    const closed = await bob.client.waitClosed(5_000);
    assert.ok(Date.now() - started < 1_000, `closed after ${Date.now() - started} ms`);
    assert.ok(bob.client.frames.some((f) => f.type === 'error' && f.code === 'CONCLAVE_ERR_SESSION_REVOKED'), `closed with ${closed.code}`);
  });

  test("an admin on node A kicks a member connected to node B: node B stops delivering the room to them, and both hear it", async () => {
    const root = await login(a, 'root');
    const erin = await login(b, 'erin');
    const frank = await login(b, 'frank');
    const room = await joinRoom('#kickme', root, erin, frank);
    await groupOf(room, root, erin, frank);
    const reply = await root.client.request({ type: 'admin', command: { action: 'kick', username: 'erin', room: '#kickme' } });
    assert.equal(reply.type, 'admin', JSON.stringify(reply));
    for (const d of [erin, frank]) {
      await d.client.waitFor((f) => f.type === 'notice' && f.kind === 'leave' && f.conversationId === room && f.user?.username === 'erin');
    }
    // Node B no longer routes the room to erin: frank's next message reaches frank's peers, not erin.
    await frank.read(room);
    assert.equal((await frank.send(room, 'after the kick')).type, 'sent');
    assert.deepEqual((await root.waitRead(room, 1)).map((m) => m.text), ['after the kick']);
    await erin.client.ping();
    assert.ok(!erin.client.messages(room).some((m) => m.kind === 'application'), 'erin got no message after her removal');
  });

  test('100 parallel wrong guesses at one account spread over both nodes: exactly login_max_failures_per_account are checked', async () => {
    await cluster.addUsers('owner');
    const device = () => ({ name: 't', signatureKey: randomSignatureKey() });
    const clients = await Promise.all(Array.from({ length: 20 }, (_, i) => RawClient.connect(i % 2 === 0 ? a : b)));
    await Promise.all(clients.map((c) => c.hello()));
    const replies = await Promise.all(
      clients.flatMap((c, k) =>
        Array.from({ length: 5 }, (_, j) => c.request({ type: 'login', username: 'owner', password: `wrong-guess-${k}-${j}-xyz`, device: device() }, 30_000)),
      ),
    );
    const tally = new Map<string, number>();
    for (const r of replies) {
      const code = r.type === 'error' ? r.code : r.type;
      tally.set(code, (tally.get(code) ?? 0) + 1);
    }
    assert.equal(tally.get('CONCLAVE_ERR_BAD_CREDENTIALS'), 10, `checked: ${JSON.stringify([...tally])}`);
    assert.equal(tally.get('CONCLAVE_ERR_LOGIN_THROTTLED'), 90);
    for (const c of clients) c.close();
  });

  test("an admin's /shutdown on node A stops node B too, after telling its clients", async () => {
    const root = await login(a, 'root');
    const bob = await login(b, 'bob');
    const reply = await root.client.request({ type: 'admin', command: { action: 'shutdown', seconds: 0 } });
    assert.equal(reply.type, 'admin', JSON.stringify(reply));
    await bob.client.waitFor((f) => f.type === 'notice' && f.kind === 'server' && /shutting the server down/.test(f.text ?? ''));
    await Promise.all([a.exited, b.exited]);
    assert.equal(b.process.exitCode, 0, 'node B stopped cleanly');
  });
});

describe('a node dies', () => {
  let cluster: TestCluster;
  const devices: MlsDevice[] = [];
  before(async () => {
    cluster = await startCluster();
  });
  after(async () => {
    for (const d of devices) d.close();
    await cluster.dispose();
  });

  test('node A is killed (SIGKILL) while alice and carol send through it: they reconnect to node B and every acknowledged message reaches every member exactly once', async () => {
    const a = await cluster.node('node-a');
    const b = await cluster.node('node-b');
    await cluster.addUsers('alice', 'bob', 'carol', 'dave');
    const alice = await MlsDevice.login(a, 'alice');
    const carol = await MlsDevice.login(a, 'carol');
    const bob = await MlsDevice.login(b, 'bob');
    // Dave stays on node A and does not come back: node B forgets him once node A's presence expires.
    const dave = await MlsDevice.login(a, 'dave');
    devices.push(alice, carol, bob, dave);
    const onlineSeenBy = async (d: MlsDevice) => {
      const who = await d.client.request({ type: 'who' });
      assert.ok(who.type === 'who');
      return who.online.map((u) => u.username);
    };
    assert.deepEqual(await onlineSeenBy(bob), ['alice', 'bob', 'carol', 'dave']);
    const general = alice.conversationId('#general');
    await groupOf(general, alice, bob, carol);
    await carol.read(general);

    const acked: string[] = [];
    let killed = false;
    /** Sends until the node dies, then through node B; every `sent` ack is recorded. */
    const sender = async (d: MlsDevice, name: string) => {
      for (let i = 0; i < 30; i++) {
        const text = `${name}-${i}`;
        const clientMsgId = `${name}-msg-${i}`;
        let reply: ServerFrame | undefined;
        while (reply === undefined) {
          try {
            reply = await d.send(general, text, clientMsgId);
          } catch {
            // The node died under the request: come back through node B and retry with the same client message id.
            while (!killed) await sleep(10);
            await moveTo(d, b);
            await d.read(general);
            reply = await d.client.sendBody(general, await d.encrypt(general, text, clientMsgId), clientMsgId);
          }
        }
        assert.equal(reply.type, 'sent', JSON.stringify(reply));
        acked.push(text);
        await sleep(5);
      }
    };
    const sending = Promise.all([sender(alice, 'alice'), sender(carol, 'carol')]);
    await sleep(150);
    await a.kill();
    killed = true;
    const ackedBeforeKill = acked.length;
    await sending;
    assert.ok(ackedBeforeKill > 0 && ackedBeforeKill < 60, `${ackedBeforeKill} acknowledged before the kill`);
    assert.equal(acked.length, 60);

    for (const d of [alice, bob, carol]) {
      const texts = (await d.waitRead(general, 60, 20_000)).map((m) => m.text);
      assert.equal(texts.length, 60, `${d.username} read every acknowledged message`);
      assert.equal(new Set(texts).size, 60, `${d.username} read each once`);
      assert.deepEqual(new Set(texts), new Set(acked));
      for (const name of ['alice', 'carol']) {
        const own = texts.filter((t) => t.startsWith(`${name}-`));
        assert.deepEqual(own, Array.from({ length: 30 }, (_, i) => `${name}-${i}`), `${d.username} has ${name}'s in order`);
      }
    }
    assertOnceInOrder(bob, general);

    // Node A's presence expires (its heartbeat stopped with it): within 15 s plus a heartbeat, dave is offline.
    const deadline = Date.now() + 30_000;
    while ((await onlineSeenBy(bob)).includes('dave')) {
      assert.ok(Date.now() < deadline, 'the dead node\'s users leave /who');
      await sleep(500);
    }
    assert.deepEqual(await onlineSeenBy(bob), ['alice', 'bob', 'carol']);
  });
});

describe('Redis goes away and comes back', () => {
  let cluster: TestCluster;
  let cable: RedisCable;
  const devices: MlsDevice[] = [];
  before(async () => {
    cable = await RedisCable.open();
    cluster = await startCluster(cable.url);
  });
  after(async () => {
    for (const d of devices) d.close();
    await cable.mend();
    await cluster.dispose();
    await cable.cut();
  });

  test('messages sent while Redis is down are stored and delivered on their own node, /healthz says so, and the other node catches up when Redis is back', async () => {
    const a = await cluster.node('node-a');
    const b = await cluster.node('node-b');
    await cluster.addUsers('alice', 'bob', 'carol');
    const alice = await MlsDevice.login(a, 'alice');
    const carol = await MlsDevice.login(a, 'carol');
    const bob = await MlsDevice.login(b, 'bob');
    devices.push(alice, carol, bob);
    const general = alice.conversationId('#general');
    await groupOf(general, alice, bob, carol);
    assert.equal((await alice.send(general, 'before')).type, 'sent');
    await bob.waitRead(general, 1);

    await cable.cut();
    for (const text of ['during 1', 'during 2', 'during 3']) assert.equal((await alice.send(general, text)).type, 'sent');
    // Node A delivers to its own members without Redis.
    assert.deepEqual((await carol.waitRead(general, 4)).map((m) => m.text), ['before', 'during 1', 'during 2', 'during 3']);
    const health = await getJson(a, '/healthz');
    assert.deepEqual(health, { status: 503, body: { status: 'degraded', database: 'ok', redis: 'unreachable' } });
    await bob.client.ping();
    assert.equal((await bob.read(general)).length, 1, 'node B heard nothing while Redis was gone');
    // /who still answers, for the node's own users.
    const who = await alice.client.request({ type: 'who' });
    assert.ok(who.type === 'who', JSON.stringify(who));
    assert.deepEqual(who.online.map((u) => u.username), ['alice', 'carol']);

    await cable.mend();
    // Node B resubscribes and every connection reads what it missed from the log, without a new message.
    assert.deepEqual((await bob.waitRead(general, 4, 15_000)).map((m) => m.text), ['before', 'during 1', 'during 2', 'during 3']);
    assertOnceInOrder(bob, general);
    const deadline = Date.now() + 10_000;
    while ((await getJson(a, '/healthz')).status !== 200) {
      assert.ok(Date.now() < deadline, 'node A healthy again');
      await sleep(200);
    }
  });
});
