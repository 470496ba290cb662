import assert from 'node:assert/strict';
import * as mls from 'ts-mls';
import { signGroupInfo } from 'ts-mls/groupInfo.js';
import type { FrameOf, ServerFrame } from '@conclave/protocol';
import { newClientMsgId, RawClient, sleep } from './helpers.js';

/**
 * A test device that speaks real MLS (ts-mls) over a RawClient: it logs in
 * with its Ed25519 signature key, makes KeyPackages with the Conclave
 * credential, creates and joins groups, encrypts, commits and reads the log.
 * What a real client does, minus storage and UI — enough to drive the server.
 */

export const cs = await mls.getCiphersuiteImpl(mls.getCiphersuiteFromName('MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519'));

type Frame = ServerFrame;
type KeyPair = { signKey: Uint8Array; publicKey: Uint8Array };
type KeyPackagePair = { publicPackage: mls.KeyPackage; privatePackage: mls.PrivateKeyPackage };

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
/** Base64 of an MLSMessage's encoding. */
export const encodeMls = (m: mls.MLSMessage): string => b64(mls.encodeMlsMessage(m));
/** Decodes a base64 MLSMessage (test input is trusted). */
export function decodeMls(base64: string): mls.MLSMessage {
  const decoded = mls.decodeMlsMessage(new Uint8Array(Buffer.from(base64, 'base64')), 0);
  assert.ok(decoded, 'decodable MLSMessage');
  return decoded[0];
}
/** The Conclave credential of a device (BasicCredential identity `conclave:1:<user>:<device>`). */
export const credentialOf = (userId: string, deviceId: string): mls.Credential => ({
  credentialType: 'basic',
  identity: utf8(`conclave:1:${userId}:${deviceId}`),
});
export const groupInfoMessage = (groupInfo: mls.GroupInfo): string =>
  encodeMls({ version: 'mls10', wireformat: 'mls_group_info', groupInfo });

/**
 * The GroupInfo of `state` as ts-mls 1.6.4 wrote it before Conclave's patch:
 * `external_pub` holding the bare 32-byte key instead of RFC 9420
 * §12.4.3.2's `opaque HPKEPublicKey<V>` (0x20 then the key), re-signed by
 * the state's own leaf so it verifies — what an old client uploads.
 */
export async function preRfcGroupInfo(state: mls.ClientState): Promise<string> {
  const { signature: _signature, ...tbs } = await mls.createGroupInfoWithExternalPubAndRatchetTree(state, [], cs);
  const extensions = tbs.extensions.map((e) => {
    if (e.extensionType !== 'external_pub') return e;
    assert.equal(e.extensionData.length, 33, 'the patched ts-mls writes the RFC form');
    assert.equal(e.extensionData[0], 0x20);
    return { ...e, extensionData: e.extensionData.subarray(1) };
  });
  return groupInfoMessage(await signGroupInfo({ ...tbs, extensions }, state.signaturePrivateKey, cs.signature));
}

/** The `external_pub` extension data of a base64 GroupInfo MLSMessage. */
export function externalPubOf(groupInfo: string): Uint8Array {
  const m = decodeMls(groupInfo);
  assert.ok(m.wireformat === 'mls_group_info');
  const ext = m.groupInfo.extensions.find((e) => e.extensionType === 'external_pub');
  assert.ok(ext, 'GroupInfo has external_pub');
  return ext.extensionData;
}

/** Joins room `name` as each of `members` (users only, no MLS) and returns its conversation id. */
export async function joinRoom(name: string, ...members: MlsDevice[]): Promise<string> {
  let id = '';
  for (const m of members) {
    const reply = await m.client.request({ type: 'join', room: name });
    assert.ok(reply.type === 'conversation', JSON.stringify(reply));
    id = reply.conversation.conversationId;
  }
  return id;
}

/** A decrypted log entry. */
export interface Received {
  seq: number;
  username: string;
  text: string;
}

export class MlsDevice {
  client!: RawClient;
  session!: FrameOf<Frame, 'session'>;
  /** MLS group state per conversation this device is in. */
  readonly groups = new Map<string, mls.ClientState>();
  /** Highest seq processed per conversation: the cursors `sync` sends. */
  readonly cursors: Record<string, number> = {};
  /** Application messages read (and sent) per conversation, in seq order. */
  readonly received = new Map<string, Received[]>();
  private readonly sentTexts = new Map<string, string>();
  private readonly keyPackages: KeyPackagePair[] = [];

  private constructor(
    /** Where `connect` goes; a test may point it at a restarted server. */
    public server: { wsUrl: string },
    readonly username: string,
    readonly keys: KeyPair,
  ) {}

  /** Logs in as a new device of `username` with a fresh signature key pair (or `keys`). */
  static async login(server: { wsUrl: string }, username: string, keys?: KeyPair): Promise<MlsDevice> {
    const device = new MlsDevice(server, username, keys ?? (await cs.signature.keygen()));
    await device.connect();
    return device;
  }

  get userId(): string {
    return this.session.user.userId;
  }
  get deviceId(): string {
    return this.session.deviceId;
  }
  get signatureKey(): string {
    return b64(this.keys.publicKey);
  }

  /** Connects and logs in (as the same device after the first login). */
  async connect(): Promise<void> {
    const deviceId = this.session?.deviceId;
    const { client, session } = await RawClient.login(this.server, this.username, { deviceId, signatureKey: this.signatureKey });
    if (deviceId) assert.equal(session.deviceId, deviceId, 'same device after reconnect');
    this.client = client;
    this.session = session;
  }

  /** Drops the connection and comes back as the same device, syncing from its cursors. */
  async reconnect(): Promise<void> {
    this.client.ws.terminate();
    await this.connect();
    await this.sync();
  }

  async sync(): Promise<void> {
    const reply = await this.client.request({ type: 'sync', cursors: this.cursors }, 20_000);
    assert.equal(reply.type, 'synced', JSON.stringify(reply));
  }

  /** The id of a conversation named `name` (`#general`, or the peer's name for a DM) from the session. */
  conversationId(name: string): string {
    const c = this.session.conversations.find((x) => x.name === name);
    assert.ok(c, `${this.username} has ${name}`);
    return c.conversationId;
  }

  /** A fresh KeyPackage (base64 MLSMessage), kept so a Welcome to it can be joined. Override the credential or keys to forge one. */
  async keyPackage(options: { credential?: mls.Credential; keys?: KeyPair } = {}): Promise<string> {
    const kp = await mls.generateKeyPackageWithKey(
      options.credential ?? credentialOf(this.userId, this.deviceId),
      mls.defaultCapabilities(),
      mls.defaultLifetime,
      [],
      options.keys ?? this.keys,
      cs,
    );
    this.keyPackages.push(kp);
    return encodeMls({ version: 'mls10', wireformat: 'mls_key_package', keyPackage: kp.publicPackage });
  }

  /** Publishes `count` one-time KeyPackages (and a last-resort one); resolves with the reply. */
  async publish(count: number, lastResort = false): Promise<Frame> {
    const keyPackages = [];
    for (let i = 0; i < count; i++) keyPackages.push(await this.keyPackage());
    return this.client.request({ type: 'publish_key_packages', keyPackages, ...(lastResort ? { lastResort: await this.keyPackage() } : {}) });
  }

  /** Creates the conversation's group (epoch 0) with this device alone; `preRfc`: with an old client's GroupInfo. */
  async createGroup(conversationId: string, options: { preRfc?: boolean } = {}): Promise<Frame> {
    const kp = await mls.generateKeyPackageWithKey(credentialOf(this.userId, this.deviceId), mls.defaultCapabilities(), mls.defaultLifetime, [], this.keys, cs);
    const state = await mls.createGroup(utf8(conversationId), kp.publicPackage, kp.privatePackage, [], cs);
    const groupInfo = options.preRfc
      ? await preRfcGroupInfo(state)
      : groupInfoMessage(await mls.createGroupInfoWithExternalPubAndRatchetTree(state, [], cs));
    const reply = await this.client.request({ type: 'create_group', conversationId, groupInfo });
    if (reply.type === 'committed') this.adopt(conversationId, state, reply.seq);
    return reply;
  }

  /**
   * Joins the conversation's group by external commit (RFC 9420 §12.4.3.2)
   * against the server's GroupInfo. `credential`/`keys` forge the new leaf.
   */
  async joinExternal(conversationId: string, options: { credential?: mls.Credential; keys?: KeyPair } = {}): Promise<Frame> {
    const info = await this.client.request({ type: 'group_info', conversationId });
    assert.ok(info.type === 'group_info' && info.group, `group info: ${JSON.stringify(info)}`);
    const message = decodeMls(info.group.groupInfo);
    assert.ok(message.wireformat === 'mls_group_info');
    const kp = await mls.generateKeyPackageWithKey(
      options.credential ?? credentialOf(this.userId, this.deviceId),
      mls.defaultCapabilities(),
      mls.defaultLifetime,
      [],
      options.keys ?? this.keys,
      cs,
    );
    const { publicMessage, newState } = await mls.joinGroupExternal(message.groupInfo, kp.publicPackage, kp.privatePackage, false, cs);
    const reply = await this.client.request({
      type: 'commit',
      conversationId,
      commit: encodeMls({ version: 'mls10', wireformat: 'mls_public_message', publicMessage }),
      groupInfo: groupInfoMessage(await mls.createGroupInfoWithExternalPubAndRatchetTree(newState, [], cs)),
    });
    if (reply.type === 'committed') this.adopt(conversationId, newState, reply.seq);
    return reply;
  }

  /**
   * Makes a Commit (adding claimed KeyPackages, removing devices' leaves) on
   * the current state. Returns the frame to send and the state it leads to, so
   * tests can send stale or racing Commits.
   */
  async prepareCommit(
    conversationId: string,
    change: { add?: Array<{ deviceId: string; keyPackage?: string | undefined }>; remove?: string[] } = {},
  ): Promise<{ frame: Record<string, unknown>; newState: mls.ClientState }> {
    await this.read(conversationId);
    const state = this.state(conversationId);
    const adds = (change.add ?? []).filter((d) => d.keyPackage);
    const proposals: mls.Proposal[] = adds.map((d) => {
      const m = decodeMls(d.keyPackage!);
      assert.ok(m.wireformat === 'mls_key_package');
      return { proposalType: 'add', add: { keyPackage: m.keyPackage } };
    });
    for (const deviceId of change.remove ?? []) {
      proposals.push({ proposalType: 'remove', remove: { removed: leafIndexOf(state, deviceId) } });
    }
    const { newState, commit, welcome } = await mls.createCommit({ state, cipherSuite: cs }, { extraProposals: proposals, ratchetTreeExtension: true });
    const frame = {
      type: 'commit',
      conversationId,
      commit: encodeMls(commit),
      groupInfo: groupInfoMessage(await mls.createGroupInfoWithExternalPubAndRatchetTree(newState, [], cs)),
      ...(welcome ? { welcome: encodeMls({ version: 'mls10', wireformat: 'mls_welcome', welcome }) } : {}),
      added: adds.map((d) => d.deviceId),
      removed: change.remove ?? [],
    };
    return { frame, newState };
  }

  /**
   * Commits a change (on top of everything read so far) and adopts the new epoch when the server accepts it.
   * `preRfc`: uploads the new epoch's GroupInfo as an old client would (`preRfcGroupInfo`).
   */
  async commit(conversationId: string, change: Parameters<MlsDevice['prepareCommit']>[1], options: { preRfc?: boolean } = {}): Promise<Frame> {
    const { frame, newState } = await this.prepareCommit(conversationId, change);
    if (options.preRfc) frame.groupInfo = await preRfcGroupInfo(newState);
    const reply = await this.client.request(frame);
    // The cursor stays: entries before the Commit may still be on their way; `read` skips our own Commit.
    if (reply.type === 'committed') this.groups.set(conversationId, newState);
    return reply;
  }

  /** Claims KeyPackages of `userIds`' devices and adds them all to the group. */
  async addUsers(conversationId: string, userIds: string[]): Promise<Frame> {
    const claimed = await this.client.request({ type: 'claim_key_packages', userIds });
    assert.equal(claimed.type, 'key_packages', JSON.stringify(claimed));
    if (claimed.type !== 'key_packages') return claimed;
    return this.commit(conversationId, { add: claimed.devices });
  }

  /** Encrypts `text` as an application message (advancing the sender ratchet) and returns the base64 body. */
  async encrypt(conversationId: string, text: string, clientMsgId?: string): Promise<string> {
    const { newState, privateMessage } = await mls.createApplicationMessage(this.state(conversationId), utf8(text), cs);
    this.groups.set(conversationId, newState);
    if (clientMsgId) this.sentTexts.set(clientMsgId, text);
    return encodeMls({ version: 'mls10', wireformat: 'mls_private_message', privateMessage });
  }

  /** Encrypts and sends `text`; resolves with the `sent` ack or the error. */
  async send(conversationId: string, text: string, clientMsgId = newClientMsgId()): Promise<Frame> {
    const body = await this.encrypt(conversationId, text, clientMsgId);
    return this.client.sendBody(conversationId, body, clientMsgId);
  }

  /**
   * Processes, in seq order, every entry received for the conversation past
   * the cursor: decrypts application messages, applies others' Commits (own
   * entries were applied when sent). Returns everything read so far.
   */
  async read(conversationId: string): Promise<Received[]> {
    const list = this.received.get(conversationId) ?? [];
    this.received.set(conversationId, list);
    const pending = this.client
      .messages(conversationId)
      .filter((m) => m.seq > (this.cursors[conversationId] ?? 0))
      .sort((a, b) => a.seq - b.seq);
    for (const m of pending) {
      if (m.seq <= (this.cursors[conversationId] ?? 0)) continue;
      if (m.sender.deviceId === this.deviceId) {
        const text = this.sentTexts.get(m.clientMsgId);
        if (m.kind === 'application' && text !== undefined) list.push({ seq: m.seq, username: m.sender.username, text });
      } else {
        const decoded = decodeMls(m.body);
        assert.ok(decoded.wireformat === 'mls_private_message' || decoded.wireformat === 'mls_public_message');
        const result = await mls.processMessage(decoded, this.state(conversationId), mls.emptyPskIndex, mls.acceptAll, cs);
        this.groups.set(conversationId, result.newState);
        if (result.kind === 'applicationMessage') {
          list.push({ seq: m.seq, username: m.sender.username, text: new TextDecoder().decode(result.message) });
        }
      }
      this.cursors[conversationId] = m.seq;
    }
    return list;
  }

  /** Reads until at least `count` application messages of the conversation are in, or fails. */
  async waitRead(conversationId: string, count: number, timeoutMs = 10_000): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = await this.read(conversationId);
      if (got.length >= count) return got;
      if (Date.now() > deadline) throw new Error(`${this.username} read ${got.length} of ${count} messages`);
      await sleep(20);
    }
  }

  /** Reads until the cursor reaches `seq` (e.g. a Commit's), so the next Commit is made on top of it. */
  async readUntil(conversationId: string, seq: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((this.cursors[conversationId] ?? 0) < seq) {
      await this.read(conversationId);
      if (Date.now() > deadline) throw new Error(`${this.username} did not reach seq ${seq}`);
      await sleep(10);
    }
  }

  /** Waits for a Welcome to the conversation and joins the group with the KeyPackage it was made for. */
  async acceptWelcome(conversationId: string, timeoutMs = 5_000): Promise<FrameOf<Frame, 'welcome'>> {
    const frame = (await this.client.waitFor((f) => f.type === 'welcome' && f.conversationId === conversationId, timeoutMs)) as FrameOf<Frame, 'welcome'>;
    const message = decodeMls(frame.welcome);
    assert.ok(message.wireformat === 'mls_welcome');
    for (const kp of this.keyPackages) {
      try {
        const state = await mls.joinGroup(message.welcome, kp.publicPackage, kp.privatePackage, mls.emptyPskIndex, cs);
        this.adopt(conversationId, state, frame.seq);
        return frame;
      } catch {
        // Not the KeyPackage this Welcome was encrypted to; try the next.
      }
    }
    throw new Error(`${this.username}: no KeyPackage opens the Welcome`);
  }

  /** The current epoch of this device's group state. */
  epoch(conversationId: string): number {
    return Number(this.state(conversationId).groupContext.epoch);
  }

  close(): void {
    this.client.close();
  }

  private state(conversationId: string): mls.ClientState {
    const state = this.groups.get(conversationId);
    assert.ok(state, `${this.username} is in the group of ${conversationId}`);
    return state;
  }

  private adopt(conversationId: string, state: mls.ClientState, seq: number): void {
    this.groups.set(conversationId, state);
    this.cursors[conversationId] = Math.max(this.cursors[conversationId] ?? 0, seq);
  }
}

/** The leaf index of a device in a group state, by its credential. */
export function leafIndexOf(state: mls.ClientState, deviceId: string): number {
  for (let i = 0; i < state.ratchetTree.length; i += 2) {
    const node = state.ratchetTree[i];
    if (node?.nodeType !== 'leaf' || node.leaf.credential.credentialType !== 'basic') continue;
    if (new TextDecoder().decode(node.leaf.credential.identity).endsWith(`:${deviceId}`)) return i / 2;
  }
  throw new Error(`device ${deviceId} has no leaf`);
}
