import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createUsers, newClientMsgId, PASSWORD, tempDir } from './helpers.js';
import { MlsDevice } from './mls-fixture.js';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'run-server.ts');
const dataDir = tempDir('crash');
after(() => rmSync(dataDir, { recursive: true, force: true }));

/** Starts the server in a child process; resolves once it listens. */
function spawnServer(): Promise<{ child: ChildProcess; wsUrl: string; logs: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${err}`)), 20_000);
    child.stderr!.on('data', (d) => {
      err += d;
      const line = err.split('\n').find((l) => l.startsWith('{"port"'));
      if (line) {
        clearTimeout(timer);
        resolve({ child, wsUrl: JSON.parse(line).wsUrl, logs: () => out });
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited early (${code}): ${err}`)));
  });
}

describe('durability', () => {
  test('after SIGKILL while clients send, every acknowledged message is there on restart and decrypts; logs hold no secrets', async () => {
    await createUsers({ dataDir }, 'alice', 'bob', 'carol', 'reader');
    const first = await spawnServer();
    const server = { wsUrl: first.wsUrl };
    const [alice, bob, carol, reader] = await Promise.all(['alice', 'bob', 'carol', 'reader'].map((u) => MlsDevice.login(server, u))) as [
      MlsDevice,
      MlsDevice,
      MlsDevice,
      MlsDevice,
    ];
    const senders = [alice, bob, carol];
    const general = alice.conversationId('#general');
    assert.equal((await alice.createGroup(general)).type, 'committed');
    let lastJoin = 0;
    for (const d of [bob, carol, reader]) {
      const joined = await d.joinExternal(general);
      assert.ok(joined.type === 'committed', JSON.stringify(joined));
      lastJoin = joined.seq;
    }
    await Promise.all(senders.map((d) => d.readUntil(general, lastJoin)));
    const keyPackage = await bob.keyPackage();
    assert.equal((await bob.client.request({ type: 'publish_key_packages', keyPackages: [keyPackage] })).type, 'key_package_stock');

    const acked = new Map<number, string>();
    const bodies: string[] = [];
    let stop = false;
    const loops = senders.map(async (d, i) => {
      for (let n = 0; !stop && n < 2_000; n++) {
        const text = `durable ${i}-${n}`;
        const clientMsgId = newClientMsgId();
        const body = await d.encrypt(general, text, clientMsgId);
        bodies.push(body);
        const reply = await d.client.sendBody(general, body, clientMsgId).catch(() => undefined);
        if (reply?.type === 'sent') acked.set(reply.seq, text);
        else break;
      }
    });
    // Killed while sends are in flight, once some are acknowledged (bounded wait).
    const deadline = Date.now() + 30_000;
    while (acked.size <= 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    stop = true;
    await Promise.all(loops);
    assert.ok(acked.size > 10, `some messages were acknowledged before the kill (${acked.size})`);
    const mlsObjects = [
      keyPackage,
      ...reader.client.frames.flatMap((f) => (f.type === 'group_info' && f.group ? [f.group.groupInfo] : [])),
      ...alice.client.messages(general).map((m) => m.body),
      ...bodies.slice(0, 20),
    ];
    const keys = [alice, bob, carol, reader].map((d) => d.signatureKey);

    const second = await spawnServer();
    try {
      reader.server = { wsUrl: second.wsUrl };
      await reader.connect();
      await reader.sync();
      const got = new Map((await reader.read(general)).map((m) => [m.seq, m.text]));
      for (const [seq, text] of acked) assert.equal(got.get(seq), text, `acknowledged seq ${seq} survived and decrypts`);
      reader.close();
      const logs = first.logs() + second.logs();
      assert.ok(logs.includes('authenticated') && logs.includes('commit accepted'), 'the log has connection and group events');
      const tokens = senders.map((d) => d.session.token ?? '');
      for (const secret of [PASSWORD, 'durable 0-1', ...tokens]) assert.ok(!logs.includes(secret), 'no password, token or plaintext in the logs');
      for (const object of [...mlsObjects, ...keys]) {
        assert.ok(!logs.includes(object.slice(0, 40)), 'no MLS object or key in the logs');
      }
    } finally {
      for (const d of senders) d.close();
      second.child.kill('SIGTERM');
      await new Promise((r) => second.child.once('exit', r));
    }
  });
});
