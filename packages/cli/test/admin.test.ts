import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { PROTOCOL_VERSION, type ServerFrame } from '@conclave/protocol';
import { addUser, startServer } from '@conclave/server';
import { BIN, PASSWORDS, runCli } from './helpers/env.js';

const ROOT_PASSWORD = 'granite-harbor-61-lantern';

/** `conclave server` as its own process, with what it printed; `exited` resolves with its exit status. */
interface ServerProcess {
  child: ChildProcess;
  address: string;
  fingerprint: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** A port of 127.0.0.1 free right now (the profile of a server is per address, so a restart must keep it). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Starts `conclave server` on `port` of 127.0.0.1 and waits for its banner (bounded). */
async function startServerProcess(dataDir: string, port: number): Promise<ServerProcess> {
  const child = spawn(process.execPath, [BIN, 'server', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir, '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  while (!/Stop with Ctrl-C/.test(out)) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`the server did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const fingerprint = /(SHA256:[A-Za-z0-9+/=]+)/.exec(out)?.[1];
  assert.ok(fingerprint !== undefined, out);
  return { child, address: `127.0.0.1:${port}`, fingerprint, output: () => out, exited };
}

/** A raw protocol client: logs in and records every frame (the shutdown notice, the close). */
async function rawLogin(address: string, username: string, password: string) {
  const ws = new WebSocket(`wss://${address}/ws`, { rejectUnauthorized: false });
  const frames: ServerFrame[] = [];
  let closed: number | undefined;
  ws.on('message', (d) => frames.push(JSON.parse(d.toString()) as ServerFrame));
  ws.on('close', (code) => (closed = code));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const waitFor = async (test: (f: ServerFrame) => boolean, ms = 10_000): Promise<ServerFrame> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = frames.find(test);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching frame; got ${frames.map((f) => f.type).join(',')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, client: 'test' }));
  ws.send(JSON.stringify({ type: 'login', id: 'login', username, password, device: { name: 'test', signatureKey: Buffer.alloc(32, 9).toString('base64') } }));
  const session = await waitFor((f) => 'id' in f && f.id === 'login');
  assert.equal(session.type, 'session', JSON.stringify(session));
  return { ws, frames, waitFor, closed: () => closed, send: (frame: object) => ws.send(JSON.stringify(frame)) };
}

test('/shutdown tells every client, exits 0, and every acknowledged message is there after the next start', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'conclave-shutdown-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const dataDir = join(root, 'data');
  const profileDir = join(root, 'profile');
  // The users exist before the first start (as from the shell).
  const seed = await startServer({ host: '127.0.0.1', port: 0, dataDir, logLevel: 'silent' });
  await seed.close();
  await addUser({ dataDir, username: 'root', password: ROOT_PASSWORD, admin: true });
  for (const [username, password] of Object.entries(PASSWORDS)) await addUser({ dataDir, username, password });

  const port = await freePort();
  let server = await startServerProcess(dataDir, port);
  t.after(() => server.child.kill('SIGKILL'));
  const common = () => ['--profile-dir', profileDir, '--fingerprint', server.fingerprint];
  const asBob = { env: { CONCLAVE_PASSWORD: PASSWORDS.bob } };
  const send = (text: string) => runCli(['send', server.address, '--user', 'alice', '--to', '#general', ...common(), text], { env: { CONCLAVE_PASSWORD: PASSWORDS.alice }, timeoutMs: 30_000 });
  // Bob's device joins #general's group first (messages reach the devices in the group).
  assert.equal((await runCli(['read', server.address, '--user', 'bob', ...common()], asBob)).code, 0);
  const acked: string[] = [];
  for (const text of ['before one', 'before two', 'before three']) {
    const r = await send(text);
    assert.equal(r.code, 0, r.stderr);
    acked.push(text);
  }

  const watcher = await rawLogin(server.address, 'bob', PASSWORDS.bob);
  const admin = await rawLogin(server.address, 'root', ROOT_PASSWORD);
  admin.send({ type: 'admin', id: 'bye', command: { action: 'shutdown', seconds: 1 } });
  const reply = await admin.waitFor((f) => 'id' in f && f.id === 'bye');
  assert.equal(reply.type, 'admin', JSON.stringify(reply));
  // Sends racing the shutdown: whichever the server acknowledged must survive it.
  const racing = await Promise.all(['during one', 'during two'].map(async (text) => ({ text, result: await send(text).catch(() => null) })));
  for (const { text, result } of racing) if (result?.code === 0) acked.push(text);

  const notice = await watcher.waitFor((f) => f.type === 'notice' && f.kind === 'server');
  assert.match(notice.type === 'notice' ? (notice.text ?? '') : '', /root is shutting the server down in 1 s/);
  const code = await Promise.race([server.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000))]);
  assert.equal(code, 0, server.output());
  assert.match(server.output(), /Stopped by an admin/);
  // Connected clients were closed as "going away" (they reconnect), not as an error.
  const deadline = Date.now() + 5_000;
  while (watcher.closed() === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(watcher.closed(), 1001);

  server = await startServerProcess(dataDir, port);
  const read = await runCli(['read', server.address, '--user', 'bob', '--json', ...common()], asBob);
  assert.equal(read.code, 0, read.stderr);
  const texts = read.stdout.trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { text: string }).text);
  for (const text of acked) assert.ok(texts.includes(text), `acknowledged "${text}" missing after restart: ${JSON.stringify(texts)}`);
  server.child.kill('SIGTERM');
  assert.equal(await server.exited, 0);
});

test('conclave admin works on the data directory: list, promote, settings, reset a password, audit', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'conclave-shell-admin-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const dataDir = join(root, 'data');
  const dir = ['--data-dir', dataDir];

  const added = await runCli(['admin', 'add-user', 'alice', ...dir], { stdin: `${PASSWORDS.alice}\n` });
  assert.equal(added.code, 0, added.stderr);
  assert.equal(added.stdout, 'Created member "alice".\n');
  assert.equal((await runCli(['admin', 'add-user', 'bob', ...dir], { stdin: `${PASSWORDS.bob}\n` })).code, 0);

  const promoted = await runCli(['admin', 'promote', 'alice', ...dir]);
  assert.equal(promoted.stdout, '"alice" is now an admin.\n');
  const list = await runCli(['admin', 'list-users', '--json', ...dir]);
  assert.deepEqual(
    list.stdout.trim().split('\n').map((l) => { const u = JSON.parse(l) as { username: string; role: string }; return [u.username, u.role]; }),
    [['alice', 'admin'], ['bob', 'member']],
  );
  const lastAdmin = await runCli(['admin', 'demote', 'alice', ...dir]);
  assert.equal(lastAdmin.code, 1);
  assert.equal(lastAdmin.stderr, 'conclave: that is the last admin: promote someone else first\n');

  const bad = await runCli(['admin', 'set', 'registration', 'sometimes', ...dir]);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, 'conclave: registration must be invite | open | closed\n');
  assert.equal((await runCli(['admin', 'set', 'room-creation', 'admins', ...dir])).stdout, 'room_creation = admins\n');
  const settings = await runCli(['admin', 'settings', ...dir]);
  assert.match(settings.stdout, /^room_creation +?= admins {2}\(default anyone\)/m);
  assert.match(settings.stdout, /^registration +?= invite {2}— /m);

  // With a server running on the same directory: the new password works there at once, the old one not.
  const server = await startServer({ host: '127.0.0.1', port: 0, dataDir, logLevel: 'silent' });
  t.after(() => server.close());
  const reset = await runCli(['admin', 'reset-password', 'bob', ...dir], { stdin: 'brand-new-password-5\n' });
  assert.equal(reset.code, 0, reset.stderr);
  assert.match(reset.stdout, /^Password of "bob" changed; 0 sessions ended/);
  const address = `127.0.0.1:${server.port}`;
  await assert.rejects(rawLogin(address, 'bob', PASSWORDS.bob));
  (await rawLogin(address, 'bob', 'brand-new-password-5')).ws.close();

  const audit = await runCli(['admin', 'audit', ...dir]);
  assert.match(audit.stdout, /shell +reset_password bob/);
  assert.match(audit.stdout, /shell +promote alice/);
  assert.match(audit.stdout, /shell +set room_creation \(room_creation=admins\)/);
  for (const secret of [PASSWORDS.alice, PASSWORDS.bob, 'brand-new-password-5']) assert.ok(!audit.stdout.includes(secret));
});
