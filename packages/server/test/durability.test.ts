import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createUsers, PASSWORD, RawClient, tempDir, text } from './helpers.js';

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
  test('after SIGKILL while clients send, every acknowledged message is there on restart; logs hold no secrets', async () => {
    await createUsers({ dataDir }, 'alice', 'bob', 'carol', 'reader');
    const first = await spawnServer();
    const senders = await Promise.all(['alice', 'bob', 'carol'].map((u) => RawClient.login({ wsUrl: first.wsUrl }, u)));
    const general = senders[0]!.session.type === 'session' ? senders[0]!.session.conversations[0]!.conversationId : '';
    const acked = new Map<number, string>();
    let stop = false;
    const loops = senders.map(async ({ client }, i) => {
      for (let n = 0; !stop && n < 2_000; n++) {
        const body = `durable ${i}-${n}`;
        const reply = await client.send(general, body).catch(() => undefined);
        if (reply?.type === 'sent') acked.set(reply.seq, body);
        else break;
      }
    });
    await new Promise((r) => setTimeout(r, 600));
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    stop = true;
    await Promise.all(loops);
    assert.ok(acked.size > 10, `some messages were acknowledged before the kill (${acked.size})`);

    const second = await spawnServer();
    try {
      const { client: reader } = await RawClient.login({ wsUrl: second.wsUrl }, 'reader');
      await reader.request({ type: 'sync', cursors: {} }, 20_000);
      const got = new Map(reader.messages(general).map((m) => [m.seq, text(m)]));
      for (const [seq, body] of acked) assert.equal(got.get(seq), body, `acknowledged seq ${seq} survived`);
      reader.close();
      const logs = first.logs() + second.logs();
      assert.ok(logs.includes('authenticated'), 'the log has connection events');
      const tokens = senders.map(({ session }) => (session.type === 'session' ? session.token ?? '' : ''));
      for (const secret of [PASSWORD, 'durable 0-1', Buffer.from('durable 0-1').toString('base64'), ...tokens]) {
        assert.ok(!logs.includes(secret), 'no password or message body in the logs');
      }
    } finally {
      second.child.kill('SIGTERM');
      await new Promise((r) => second.child.once('exit', r));
    }
  });
});
