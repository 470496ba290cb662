import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { addUser, startServer } from '@conclave/server';
import { ConclaveClient, MemoryStore, type ChatMessage, type ClientSocket, type SocketFactory } from '../../src/index.js';

/** A real server in a temp dir, with users `alice` and `bob`; `options` as `startServer`'s (presence tuning). */
export async function startTestServer(options: { presenceBurst?: number; presenceBurstWindowMs?: number } = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'conclave-client-test-'));
  const server = await startServer({ host: '127.0.0.1', port: 0, dataDir, logLevel: 'silent', ...options });
  await addUser({ dataDir, username: 'alice', password: 'alice-password-1' });
  await addUser({ dataDir, username: 'bob', password: 'bob-password-12' });
  return {
    server,
    dataDir,
    async close() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Hooks a test uses to misbehave like a network: drop frames, cut the socket. */
export interface Tap {
  /** Called with each incoming text; return false to swallow it. */
  incoming?: (text: string, socket: TappedSocket) => boolean;
  /** Called with each outgoing text; return false to swallow it. */
  outgoing?: (text: string, socket: TappedSocket) => boolean;
}

export interface TappedSocket extends ClientSocket {
  /** Drops the TCP connection without a closing handshake (a network failure). */
  cut(): void;
}

/** A `ws` socket factory (self-signed certificate accepted: tests only) with a tap. */
export function tappedFactory(tap: Tap = {}): SocketFactory & { opened: number } {
  const factory = ((url: string) => {
    factory.opened++;
    const ws = new WebSocket(url, { rejectUnauthorized: false });
    const socket: TappedSocket = {
      send: (text) => {
        if (tap.outgoing?.(text, socket) === false) return;
        ws.send(text);
      },
      close: (code, reason) => (ws.readyState === WebSocket.CONNECTING ? ws.terminate() : ws.close(code, reason)),
      cut: () => ws.terminate(),
      onopen: null,
      onmessage: null,
      onclose: null,
      onerror: null,
    };
    ws.on('open', () => socket.onopen?.());
    ws.on('message', (data) => {
      const text = data.toString();
      if (tap.incoming?.(text, socket) === false) return;
      socket.onmessage?.(text);
    });
    ws.on('error', (err) => socket.onerror?.(err));
    ws.on('close', (code, reason) => socket.onclose?.(code, reason.toString()));
    return socket;
  }) as unknown as SocketFactory & { opened: number };
  factory.opened = 0;
  return factory;
}

/** A client on `wsUrl` with fast test timings. */
export function makeClient(wsUrl: string, opts: { store?: MemoryStore; factory?: SocketFactory } = {}) {
  const store = opts.store ?? new MemoryStore();
  const client = new ConclaveClient({
    url: wsUrl,
    socketFactory: opts.factory ?? tappedFactory(),
    store,
    deviceName: 'test',
    requestTimeoutMs: 5_000,
  });
  const messages: ChatMessage[] = [];
  client.on('message', (m) => messages.push(m));
  return { client, store, messages };
}

/**
 * A barrier for proving absence: a round trip on the client's connection (a `who`; the
 * client has no public ping), then `settled()`. Everything the server wrote to this socket
 * before it answered has then arrived, been decrypted and emitted — so an assertion that
 * something did not arrive can fail, with no sleep. The client must be `ready`.
 */
export async function roundTrip(client: ConclaveClient): Promise<void> {
  await client.who();
  await client.settled();
}

/** Polls `check` every 20 ms until it is true or `ms` pass (then throws `what`). */
export async function waitFor(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Every file under `dir`, recursively. */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else if ((await stat(path)).isFile()) out.push(path);
  }
  return out;
}

/** Fails when any file under `dir` holds one of `secrets` as UTF-8, UTF-16LE or base64 of its UTF-8. @returns the files scanned */
export async function assertNoPlaintext(dir: string, secrets: readonly string[]): Promise<string[]> {
  const files = await filesUnder(dir);
  for (const file of files) {
    const bytes = await readFile(file);
    for (const secret of secrets) {
      for (const needle of [Buffer.from(secret, 'utf8'), Buffer.from(secret, 'utf16le'), Buffer.from(Buffer.from(secret).toString('base64'))]) {
        assert.equal(bytes.indexOf(needle), -1, `${file} holds a plaintext`);
      }
    }
  }
  return files;
}
