/**
 * A bench device: one real device of one user on a raw `ws` socket, logged in
 * with its Ed25519 signature key (as the client core logs in), with request /
 * reply by frame id. Hot `message` frames go to `onMessageText` unparsed, so a
 * thousand passive receivers in one process cost little more than the socket.
 */
import WebSocket from 'ws';
import { PROTOCOL_VERSION, type ServerFrame } from '@conclave/protocol';
import { mls } from '@conclave/client';

type Keys = Awaited<ReturnType<typeof mls.generateSignatureKeyPair>>;

/** A reply frame (any server frame carrying the request's `id`). */
type Reply = ServerFrame & { id?: string };

const MESSAGE_PREFIX = '{"type":"message"';

/** One logged-in device. */
export class BenchDevice {
  userId = '';
  deviceId = '';
  token = '';
  /** Conversations listed in the `session` reply, by name. */
  readonly conversations = new Map<string, string>();
  /** Raw text of every `message` frame (unparsed). */
  onMessageText: (text: string) => void = () => undefined;
  /** Every other frame without a pending request id (welcome, notices, pushes). */
  onFrame: (frame: ServerFrame) => void = () => undefined;
  private readonly pending = new Map<string, { resolve: (f: Reply) => void; reject: (e: Error) => void }>();
  private nextId = 0;

  private constructor(
    readonly ws: WebSocket,
    readonly keys: Keys | undefined,
  ) {
    ws.on('message', (data: Buffer) => {
      const text = data.toString();
      if (text.startsWith(MESSAGE_PREFIX)) return this.onMessageText(text);
      const frame = JSON.parse(text) as Reply;
      const waiter = frame.id === undefined ? undefined : this.pending.get(frame.id);
      if (waiter === undefined) return this.onFrame(frame);
      this.pending.delete(frame.id!);
      if (frame.type === 'error') waiter.reject(new Error(`${frame.code}: ${frame.message}`));
      else waiter.resolve(frame);
    });
    ws.on('close', () => {
      for (const w of this.pending.values()) w.reject(new Error('socket closed'));
      this.pending.clear();
    });
    ws.on('error', () => undefined);
  }

  /** Opens a socket to `wsUrl` (self-signed certificate accepted: 127.0.0.1 only) and says hello. */
  static async open(wsUrl: string, keys?: Keys): Promise<BenchDevice> {
    const ws = new WebSocket(wsUrl, { rejectUnauthorized: false, perMessageDeflate: false });
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, client: 'bench' }));
    return new BenchDevice(ws, keys);
  }

  /** Sends `frame` with a fresh id; resolves with the reply carrying that id (rejects on `error` or after `timeoutMs`). */
  request(frame: Record<string, unknown>, timeoutMs = 30_000): Promise<Reply> {
    const id = `r${this.nextId++}`;
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => (this.pending.delete(id), reject(new Error(`no reply to ${String(frame.type)} in ${timeoutMs} ms`))), timeoutMs);
      this.pending.set(id, {
        resolve: (f) => (clearTimeout(timer), resolve(f)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.ws.send(JSON.stringify({ ...frame, id }));
    });
  }

  /** Logs in as a new device of `username` with this device's signature key, then syncs (no cursors). */
  async login(username: string, password: string): Promise<void> {
    const device = { name: 'bench', ...(this.keys && { signatureKey: Buffer.from(this.keys.publicKey).toString('base64') }) };
    this.session((await this.request({ type: 'login', username, password, device })) as Extract<ServerFrame, { type: 'session' }>);
    await this.request({ type: 'sync', cursors: {} });
  }

  /** Resumes the session of `token` on this socket (no sync). */
  async authenticate(token: string): Promise<void> {
    this.session((await this.request({ type: 'authenticate', token })) as Extract<ServerFrame, { type: 'session' }>);
  }

  /** Publishes one fresh KeyPackage of this device; returns it with its private keys. */
  async publishKeyPackage(): Promise<Awaited<ReturnType<typeof mls.generateKeyPackage>>> {
    if (this.keys === undefined) throw new Error('device without keys');
    const kp = await mls.generateKeyPackage({ userId: this.userId as never, deviceId: this.deviceId as never }, this.keys);
    await this.request({ type: 'publish_key_packages', keyPackages: [Buffer.from(mls.encodeKeyPackage(kp.publicPackage)).toString('base64')] });
    return kp;
  }

  close(): void {
    this.ws.terminate();
  }

  private session(frame: Extract<ServerFrame, { type: 'session' }>): void {
    this.userId = frame.user.userId;
    this.deviceId = frame.deviceId;
    if (frame.token !== undefined) this.token = frame.token;
    for (const c of frame.conversations) this.conversations.set(c.name, c.conversationId);
  }
}
