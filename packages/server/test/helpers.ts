import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { PROTOCOL_VERSION, type ServerFrame } from '@conclave/protocol';
import { addUser, startServer, type RunningServer } from '../src/index.js';

/** A server on an ephemeral port with its own temporary data directory. */
export interface TestServer extends RunningServer {
  dataDir: string;
  /** Closes the server and removes the data directory. */
  dispose(): Promise<void>;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `conclave-${prefix}-`));
}

export async function startTestServer(
  dataDir = tempDir('srv'),
  options: { webRoot?: string; presenceGraceMs?: number; presenceBurst?: number; presenceBurstWindowMs?: number; maxGroupSize?: number; sweepClock?: () => number } = {},
): Promise<TestServer> {
  const server = await startServer({ host: '127.0.0.1', port: 0, dataDir, logLevel: (process.env.TEST_LOG_LEVEL as 'silent' | undefined) ?? 'silent', ...options });
  return {
    ...server,
    dataDir,
    async dispose() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const PASSWORD = 'violet-anchor-83-meadow';

/** Creates users straight in the data directory (as `conclave admin add-user` does). */
export async function createUsers(server: { dataDir: string }, ...names: string[]): Promise<void> {
  for (const username of names) await addUser({ dataDir: server.dataDir, username, password: PASSWORD });
}

type Frame = ServerFrame;

/**
 * A raw protocol client over a real TLS WebSocket: sends frames, awaits replies
 * by request id, and records every frame it receives.
 */
export class RawClient {
  readonly frames: Frame[] = [];
  closed: { code: number; reason: string } | undefined;
  private waiters: Array<{ test: (f: Frame) => boolean; resolve: (f: Frame) => void }> = [];
  private seq = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => {
        if (!w.test(frame)) return true;
        w.resolve(frame);
        return false;
      });
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
    });
  }

  /** Opens a socket; `headers` are sent with the upgrade request (e.g. `cookie`, `origin`, as a browser would). */
  static async connect(server: { wsUrl: string }, headers: Record<string, string> = {}): Promise<RawClient> {
    const ws = new WebSocket(server.wsUrl, { rejectUnauthorized: false, headers });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new RawClient(ws);
  }

  /**
   * Connects, says hello and logs in; returns the `session` frame. Without a
   * `signatureKey`, a random 32-byte one stands in (the server never checks
   * that it is an Ed25519 point; MLS tests pass a real one, see mls-fixture.ts).
   */
  static async login(
    server: { wsUrl: string },
    username: string,
    options: { password?: string; deviceId?: string | undefined; signatureKey?: string } = {},
  ): Promise<{ client: RawClient; session: Extract<Frame, { type: 'session' }> }> {
    const c = await RawClient.connect(server);
    await c.hello();
    const device = {
      name: 'test',
      signatureKey: options.signatureKey ?? randomSignatureKey(),
      ...(options.deviceId ? { id: options.deviceId } : {}),
    };
    const session = await c.request({ type: 'login', username, password: options.password ?? PASSWORD, device });
    if (session.type !== 'session') throw new Error(`login failed: ${JSON.stringify(session)}`);
    return { client: c, session };
  }

  async hello(): Promise<Frame> {
    this.sendRaw(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, client: 'test' }));
    return this.waitFor((f) => f.type === 'hello' || f.type === 'error');
  }

  sendRaw(text: string | Buffer): void {
    this.ws.send(text);
  }

  /** Sends a request with a fresh id and resolves with the reply (or error) carrying that id. */
  request(frame: Record<string, unknown>, timeoutMs = 5_000): Promise<Frame> {
    const id = `r${++this.seq}`;
    const reply = this.waitFor((f) => 'id' in f && f.id === id, timeoutMs);
    this.sendRaw(JSON.stringify({ ...frame, id }));
    return reply;
  }

  /** Resolves with the first frame (already received or future) matching `test`. */
  waitFor(test: (f: Frame) => boolean, timeoutMs = 5_000): Promise<Frame> {
    const seen = this.frames.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for a frame`)), timeoutMs);
      this.waiters.push({
        test,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
      });
    });
  }

  /**
   * A barrier for proving absence: resolves when the `pong` to a `ping` sent now has arrived.
   * Every frame the server wrote to this socket before it read the ping has arrived by then
   * (one ordered stream) — a fan-out made while it handled any request already answered
   * (the LocalBus publishes synchronously, before the reply), and any catch-up started before
   * (the SQLite store resolves without I/O, so a catch-up ends before the next socket read).
   * The server answers a ping at once, ahead of this connection's own unanswered requests
   * (gateway.ts): await those first. Changes nothing on the server, unlike a `sync`, which
   * moves the connection's cursors to the ones it names.
   */
  async ping(): Promise<void> {
    const pong = await this.request({ type: 'ping' });
    if (pong.type !== 'pong') throw new Error(`ping answered with ${JSON.stringify(pong)}`);
  }

  /** Waits until `count` message frames of a conversation have arrived. */
  async waitForMessages(conversationId: string, count: number, timeoutMs = 10_000): Promise<Extract<Frame, { type: 'message' }>[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = this.messages(conversationId);
      if (got.length >= count) return got;
      if (Date.now() > deadline) throw new Error(`got ${got.length} of ${count} messages`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  messages(conversationId?: string): Extract<Frame, { type: 'message' }>[] {
    return this.frames.filter(
      (f): f is Extract<Frame, { type: 'message' }> => f.type === 'message' && (conversationId === undefined || f.conversationId === conversationId),
    );
  }

  /** Sends a body (base64) as a message; resolves with the `sent` ack or the error. */
  sendBody(conversationId: string, body: string, clientMsgId = newClientMsgId()): Promise<Frame> {
    return this.request({ type: 'send', conversationId, clientMsgId, body });
  }

  async waitClosed(timeoutMs = 5_000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('connection did not close');
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.closed;
  }

  close(): void {
    this.ws.close();
  }
}

/** A random client message id. */
export function newClientMsgId(): string {
  return randomBytes(9).toString('base64url');
}

/** Base64 of 32 random bytes: the shape of an Ed25519 public key. */
export function randomSignatureKey(): string {
  return randomBytes(32).toString('base64');
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
