import type { ConversationId, ConversationInfo, DeviceId, FrameOf, ServerFrame, UserId } from '@conclave/protocol';
import type { ClientState, KeyPackage } from './ts-mls.js';
import { base64ToBytes, bytesToBase64 } from '../body.js';
import type { ReplyOf, RequestInput, RequestType } from '@conclave/protocol';
import { ConclaveError, isConclaveError } from '../errors.js';
import type { ClientStore } from '../store/store.js';
import type { TrustStore } from '../trust/pins.js';
import { decodeContent, encodeContent, type ContentInput, type DecodedContent } from '@conclave/protocol';
import type { Arrival } from '../content/effects.js';
import { contentOfEntry } from '../content/entries.js';
import {
  encryptMessage,
  createGroupState,
  decodeState,
  encodeState,
  epochOf,
  groupInfoOf,
  membersOf,
  processEntry,
  welcomeTargets,
  type Member,
} from './group.js';
import type { MlsRunner } from './runner.js';
import { decodeKeyPackage, encodeKeyPackage as encodeKeyPackageBytes, generateKeyPackage, type LocalKeyPackages } from './keypackages.js';
import { groupInfoMembers } from './group-info.js';
import type { LeafOwner, SignatureKeyPair } from './identity.js';
import type { Observer } from './observer.js';

/** Attempts at a Commit or send that lost an epoch race before giving up (each after catching up). */
const MAX_ATTEMPTS = 8;
/** Join attempts that wait for a Welcome when the group already lists this device. */
const WELCOME_WAIT_ATTEMPTS = 4;

/** What the engine needs from the client around it. */
export interface EngineDeps {
  store: ClientStore;
  request<T extends RequestType>(input: RequestInput<T>): Promise<ReplyOf<T>>;
  /** This user and device (known once the session started). */
  owner(): LeafOwner & { username: string };
  keys: SignatureKeyPair;
  keyPackages: LocalKeyPackages;
  /** Where Commits, joins and GroupInfos are computed (`inProcessMls`, or a worker off the UI thread). */
  mls: MlsRunner;
  trust: TrustStore;
  observer: Observer;
  conversation(id: ConversationId): ConversationInfo | undefined;
  /** A decrypted application message, in seq order per conversation, exactly once; awaited before the cursor is saved. */
  onContent(arrival: Arrival, content: DecodedContent): Promise<void>;
  /** A decrypted ephemeral message (not in the log: no seq, nothing saved). */
  onEphemeral(arrival: Arrival, content: DecodedContent): void;
  /** A log entry could not be used (it is skipped; the cursor moves on). */
  onError(error: ConclaveError, conversationId: ConversationId): void;
  /** Seqs are missing: catch up from the cursors. */
  onGap(): void;
  /** Waits `ms` (injected clock). */
  sleep(ms: number): Promise<void>;
  random(): number;
}

/** A conversation's group on this device: MLS state, the last log seq applied to it, and a Commit awaiting the server. */
interface GroupSession {
  state: ClientState;
  cursor: number;
  pending?: { epoch: number; state: ClientState } | undefined;
}

const recordKey = (id: ConversationId): string => `group/${id}`;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The MLS side of the client: one group per conversation, fed the
 * conversation's log in seq order. Work on a conversation runs one task at a
 * time (a per-conversation queue), and each new group state is saved with
 * its cursor in one record before anything is sent or shown (persist, then
 * act). Commits go through the Delivery Service's epoch compare-and-set:
 * the loser keeps its old state, processes the winner and retries.
 */
export class GroupEngine {
  private readonly groups = new Map<ConversationId, GroupSession>();
  private readonly queues = new Map<ConversationId, Promise<unknown>>();
  /** Contents of our own messages by clientMsgId, to show the log's echo of them. */
  private readonly ownContents = new Map<string, DecodedContent>();

  constructor(private readonly deps: EngineDeps) {}

  /** Loads every stored group. */
  async load(): Promise<void> {
    for (const key of await this.deps.store.listRecords('group/')) {
      const bytes = await this.deps.store.loadRecord(key);
      if (bytes === null) continue;
      const id = key.slice('group/'.length) as ConversationId;
      try {
        const stored = JSON.parse(decoder.decode(bytes)) as { state: string; cursor: number; pending?: { epoch: number; state: string } };
        this.groups.set(id, {
          state: decodeState(base64ToBytes(stored.state)),
          cursor: stored.cursor,
          pending: stored.pending && { epoch: stored.pending.epoch, state: decodeState(base64ToBytes(stored.pending.state)) },
        });
      } catch (err) {
        this.deps.onError(new ConclaveError('CONCLAVE_ERR_LOCAL_STATE', undefined, { cause: err }), id);
      }
    }
  }

  /** Per conversation with a group, the last seq applied (the `sync` cursors). */
  cursors(): Record<string, number> {
    return Object.fromEntries([...this.groups].map(([id, g]) => [id, g.cursor]));
  }

  /** True when this device is in the conversation's group. */
  has(conversationId: ConversationId): boolean {
    return this.groups.has(conversationId);
  }

  /** The group's members (empty when not joined). */
  members(conversationId: ConversationId): Member[] {
    const g = this.groups.get(conversationId);
    return g === undefined ? [] : membersOf(g.state);
  }

  /** Resolves when every queued task has run. */
  async idle(): Promise<void> {
    while (this.queues.size > 0) await Promise.allSettled([...this.queues.values()]);
  }

  /** A log entry pushed by the server (live or catch-up), or an ephemeral message. */
  receive(frame: FrameOf<ServerFrame, 'message'>): void {
    void this.enqueue(frame.conversationId, () => (frame.ephemeral === true ? this.applyEphemeral(frame) : this.apply(frame)));
  }

  /** A Welcome for this device. */
  welcome(frame: FrameOf<ServerFrame, 'welcome'>): void {
    void this.enqueue(frame.conversationId, () => this.join(frame));
  }

  /**
   * Uploads a fresh GroupInfo of the group (the server's `group_info_wanted`)
   * once the log queued before has been applied, if the group is at `epoch`
   * and no Commit of ours is in flight; otherwise nothing (the next Commit
   * brings a new GroupInfo). A Commit that wins meanwhile is not an error.
   */
  publishGroupInfo(conversationId: ConversationId, epoch: number): Promise<void> {
    return this.enqueue(conversationId, async () => {
      const g = this.groups.get(conversationId);
      if (g === undefined || g.pending !== undefined || epochOf(g.state) !== epoch) return;
      const groupInfo = bytesToBase64(await this.deps.mls.groupInfo(g.state));
      try {
        await this.deps.request({ type: 'publish_group_info', conversationId, epoch, groupInfo });
      } catch (err) {
        if (!(isConclaveError(err) && (err.code === 'CONCLAVE_ERR_STALE_EPOCH' || err.code === 'CONCLAVE_ERR_NOT_GROUP_MEMBER'))) throw err;
      }
    });
  }

  /**
   * Makes sure this device is in the conversation's group: creates it when
   * the conversation has none (adding every device of a DM's two users, so a
   * DM works while the other user is offline), else joins by external commit.
   * @param delayMs wait first (a Welcome may be on its way).
   */
  ensureJoined(conversationId: ConversationId, delayMs = 0): Promise<void> {
    return this.enqueue(conversationId, async () => {
      if (delayMs > 0) await this.deps.sleep(delayMs);
    }).then(() => this.joinWithRetry(conversationId));
  }

  /** Forgets a conversation's group (after leaving it). */
  async forget(conversationId: ConversationId): Promise<void> {
    await this.enqueue(conversationId, async () => {
      this.groups.delete(conversationId);
      await this.deps.store.saveRecord(recordKey(conversationId), null);
    });
  }

  /**
   * Encrypts an inner content (RFC 9420 §15.2 application data) for the
   * conversation's current epoch and sends it; if a Commit won the race,
   * catches up and encrypts again (same clientMsgId, so the server stores it
   * once). `ephemeral`: not logged (typing), sent once, never retried.
   * `canSend` is asked right before the frame leaves (after encryption):
   * false fails the send with `CONCLAVE_ERR_DISCONNECTED` (the connection
   * this send started on is gone; the caller resends in order).
   * @throws ConclaveError from the server (NOT_MEMBER, BODY_TOO_LARGE, …) or
   *   `CONCLAVE_ERR_NOT_JOINED` when the group cannot be joined.
   */
  async send(
    conversationId: ConversationId,
    clientMsgId: string,
    content: ContentInput,
    canSend: () => boolean = () => true,
    ephemeral = false,
  ): Promise<ReplyOf<'send'>> {
    const plaintext = encodeContent(content);
    if (!ephemeral) this.ownContents.set(clientMsgId, decodeContent(plaintext));
    for (let attempt = 0; ; attempt++) {
      if (!this.groups.has(conversationId)) {
        if (ephemeral) throw new ConclaveError('CONCLAVE_ERR_NOT_JOINED');
        await this.joinWithRetry(conversationId);
      }
      const body = await this.enqueue(conversationId, async () => {
        const g = this.require(conversationId);
        const { state, message } = await encryptMessage(g.state, plaintext);
        g.state = state;
        await this.save(conversationId, g); // the sender ratchet moved: persist before the ciphertext leaves
        return bytesToBase64(message);
      });
      // A ciphertext made before a reconnect must not overtake older messages resent after it.
      if (!canSend()) throw new ConclaveError('CONCLAVE_ERR_DISCONNECTED');
      try {
        return await this.deps.request({
          type: 'send',
          conversationId,
          clientMsgId,
          body,
          ...(ephemeral && { ephemeral: true as const }),
          // The blob a file content announces: its members may download it from now on (`SendFrame.attachments`).
          ...(content.kind === 'file' && { attachments: [content.blob] }),
        });
      } catch (err) {
        if (ephemeral || !isConclaveError(err, 'CONCLAVE_ERR_STALE_EPOCH', 'CONCLAVE_ERR_NOT_GROUP_MEMBER') || attempt + 1 >= MAX_ATTEMPTS) throw err;
        if (isConclaveError(err, 'CONCLAVE_ERR_NOT_GROUP_MEMBER')) await this.forget(conversationId);
        await this.backoff(attempt);
      }
    }
  }

  /** Removes every leaf of `userId` from the group (after they left or were removed), retrying lost races. */
  removeUser(conversationId: ConversationId, userId: UserId): Promise<void> {
    return this.commitWithRetry(conversationId, async (state) => {
      const leaves = membersOf(state).filter((m) => m.userId === userId);
      return leaves.length === 0 ? null : { remove: leaves.map((m) => m.leafIndex), removed: leaves.map((m) => m.deviceId) };
    });
  }

  /** Adds every device of the given users that is not in the group yet (claims their KeyPackages). */
  addDevicesOf(conversationId: ConversationId, userIds: UserId[]): Promise<void> {
    return this.commitWithRetry(conversationId, async (state) => {
      const present = new Set(membersOf(state).map((m) => m.deviceId));
      const claimed = await this.deps.request({ type: 'claim_key_packages', userIds });
      const add = [];
      const added: DeviceId[] = [];
      for (const d of claimed.devices) {
        if (present.has(d.deviceId) || d.keyPackage === undefined) continue;
        const kp = decodeKeyPackage(base64ToBytes(d.keyPackage));
        if (kp === undefined) continue;
        add.push(kp);
        added.push(d.deviceId);
      }
      return add.length === 0 ? null : { add, added };
    });
  }

  /** Uploads KeyPackages until the server holds `target` one-time ones and a last-resort one. */
  async topUpKeyPackages(target: number, low: number): Promise<void> {
    const stock = await this.deps.request({ type: 'publish_key_packages', keyPackages: [] });
    const owner = this.deps.owner();
    if (stock.count < low) {
      const fresh = [];
      for (let i = stock.count; i < target; i++) fresh.push(await generateKeyPackage(owner, this.deps.keys));
      await this.deps.keyPackages.add(fresh);
      await this.deps.request({ type: 'publish_key_packages', keyPackages: fresh.map((k) => bytesToBase64(encodeKeyPackageBytes(k.publicPackage))) });
    }
    if (!stock.hasLastResort || !this.deps.keyPackages.hasLastResort) {
      const lastResort = await generateKeyPackage(owner, this.deps.keys);
      await this.deps.keyPackages.add([lastResort], true);
      await this.deps.request({ type: 'publish_key_packages', keyPackages: [], lastResort: bytesToBase64(encodeKeyPackageBytes(lastResort.publicPackage)) });
    }
  }

  // ------------------------------------------------------------ log entries

  private async apply(frame: FrameOf<ServerFrame, 'message'>): Promise<void> {
    const id = frame.conversationId;
    const g = this.groups.get(id);
    if (g === undefined || frame.seq <= g.cursor) return; // not ours yet, or already applied
    if (frame.seq !== g.cursor + 1) return this.deps.onGap();
    let processed;
    try {
      // A Commit's cost grows with the group: it goes to the runner (a worker where the client has one).
      processed =
        frame.kind === 'commit' ? await this.deps.mls.processCommit(g.state, base64ToBytes(frame.body)) : await processEntry(g.state, base64ToBytes(frame.body));
    } catch (err) {
      // The client is closing (its MLS runner with it): the entry stays unapplied for the next start.
      if (isConclaveError(err, 'CONCLAVE_ERR_CLOSED')) return;
      g.cursor = frame.seq;
      await this.save(id, g);
      const error = isConclaveError(err) ? err : new ConclaveError('CONCLAVE_ERR_UNDECRYPTABLE', undefined, { cause: err });
      this.deps.onError(error, id);
      if (frame.kind === 'commit') void this.resyncLater(id);
      return;
    }
    if (processed.kind === 'own') {
      if (processed.contentType === 'commit') {
        if (g.pending !== undefined && BigInt(g.pending.epoch) === processed.epoch) g.state = g.pending.state;
        else void this.resyncLater(id); // our own Commit, but its new state was lost: rejoin
        g.pending = undefined;
      }
      g.cursor = frame.seq;
      if (processed.contentType === 'application') {
        // MLS cannot decrypt one's own messages: the content is the one we sent, or the one kept at its ack.
        const own = this.ownContents.get(frame.clientMsgId);
        this.ownContents.delete(frame.clientMsgId);
        const content = own ?? (await this.keptContent(id, frame.seq));
        await this.record(id, frame, { ...this.deps.owner() }, content);
      }
      return this.save(id, g);
    }
    g.state = processed.state;
    g.cursor = frame.seq;
    g.pending = undefined;
    if (processed.kind === 'application') {
      await this.record(id, frame, processed.sender, decodeContent(processed.plaintext));
      return this.save(id, g);
    }
    await this.save(id, g);
    await this.deps.observer.review(id, processed.added.length > 0 ? processed.added : []);
  }

  /**
   * An ephemeral message: decrypted against a copy of the group state, which
   * is then dropped, so the group (its ratchets, its cursor) stays as the log
   * left it; one that cannot be decrypted (another epoch) is ignored.
   */
  private async applyEphemeral(frame: FrameOf<ServerFrame, 'message'>): Promise<void> {
    const g = this.groups.get(frame.conversationId);
    if (g === undefined || frame.kind !== 'application') return;
    let processed;
    try {
      processed = await processEntry(g.state, base64ToBytes(frame.body));
    } catch {
      return;
    }
    if (processed.kind !== 'application') return;
    this.deps.onEphemeral(await this.arrival(frame.conversationId, frame, processed.sender), decodeContent(processed.plaintext));
  }

  /** Hands a decrypted application message to the content handler (which keeps and shows it). */
  private async record(id: ConversationId, frame: FrameOf<ServerFrame, 'message'>, sender: LeafOwner, content: DecodedContent): Promise<void> {
    await this.deps.onContent(await this.arrival(id, frame, sender), content);
  }

  /** Who sent a log entry (MLS-authenticated) and where it is. */
  private async arrival(id: ConversationId, frame: FrameOf<ServerFrame, 'message'>, sender: LeafOwner): Promise<Arrival> {
    const me = this.deps.owner();
    // The name follows the MLS-authenticated user id; the server's label is used only when it names the same user.
    const username =
      frame.sender.userId === sender.userId ? frame.sender.username : await this.deps.observer.nameOf(sender.userId);
    const mark = sender.userId === me.userId && sender.deviceId === me.deviceId ? undefined : this.deps.trust.markFor(sender);
    return {
      conversationId: id,
      seq: frame.seq,
      sender: { userId: sender.userId, deviceId: sender.deviceId, username },
      sentAt: frame.sentAt,
      clientMsgId: frame.clientMsgId,
      mine: sender.userId === me.userId,
      ...(mark !== undefined && { trust: mark }),
    };
  }

  /** The content of one of our messages as kept at its acknowledgement (another run of this device sent it). */
  private async keptContent(id: ConversationId, seq: number): Promise<DecodedContent> {
    const kept = (await this.deps.store.loadHistory(id, 200)).find((e) => e.seq === seq);
    if (kept === undefined) return { v: 1, kind: 'text', text: '(sent from this device)' };
    return contentOfEntry(kept);
  }

  private async join(frame: FrameOf<ServerFrame, 'welcome'>): Promise<void> {
    if (this.groups.has(frame.conversationId)) return; // joined another way meanwhile
    const found = this.deps.keyPackages.find(welcomeTargets(base64ToBytes(frame.welcome)));
    if (found === undefined) return; // not made for a KeyPackage we hold (already used, or lost)
    let state: ClientState;
    try {
      state = await this.deps.mls.joinWelcome(base64ToBytes(frame.welcome), found.kp);
    } catch (err) {
      if (isConclaveError(err, 'CONCLAVE_ERR_CLOSED')) return; // closing: the server sends the Welcome again at the next sync
      this.deps.onError(new ConclaveError('CONCLAVE_ERR_UNDECRYPTABLE', 'A Welcome to a conversation could not be used.', { cause: err }), frame.conversationId);
      return;
    }
    const g: GroupSession = { state, cursor: frame.seq };
    this.groups.set(frame.conversationId, g);
    await this.save(frame.conversationId, g);
    await this.deps.keyPackages.consume(found.ref);
    await this.deps.observer.review(frame.conversationId, membersOf(state));
  }

  // ------------------------------------------------------------ joining

  private async joinWithRetry(conversationId: ConversationId): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const outcome = await this.enqueue(conversationId, () => this.joinOnce(conversationId, attempt));
      if (outcome === 'joined') return;
      await this.backoff(attempt);
    }
    throw new ConclaveError('CONCLAVE_ERR_NOT_JOINED');
  }

  /** One attempt: create the group, or join it externally. */
  private async joinOnce(id: ConversationId, attempt: number): Promise<'joined' | 'retry'> {
    if (this.groups.has(id)) return 'joined';
    const info = await this.deps.request({ type: 'group_info', conversationId: id });
    const owner = this.deps.owner();
    const own = await generateKeyPackage(owner, this.deps.keys);
    try {
      if (info.group === undefined) {
        const state = await createGroupState(id, own);
        const created = await this.deps.request({ type: 'create_group', conversationId: id, groupInfo: bytesToBase64(await groupInfoOf(state)) });
        const g: GroupSession = { state, cursor: created.seq };
        this.groups.set(id, g);
        await this.save(id, g);
        const conversation = this.deps.conversation(id);
        if (conversation?.kind === 'dm' && conversation.peer !== undefined) {
          // Outside this task: the Adds go through the queue like any Commit.
          void this.addDevicesOf(id, [owner.userId, conversation.peer.userId]).catch((err: unknown) => this.reportLater(err, id));
        }
        return 'joined';
      }
      const resync = groupInfoMembers(base64ToBytes(info.group.groupInfo)).some((m) => m.deviceId === owner.deviceId);
      // Listed already: someone added this device, and its Welcome (queued before the next
      // attempt) is the way in; only a device that lost its state rejoins with `resync`.
      if (resync && attempt < WELCOME_WAIT_ATTEMPTS) return 'retry';
      const { state, commit, groupInfo } = await this.deps.mls.joinExternal(base64ToBytes(info.group.groupInfo), own, resync);
      const committed = await this.deps.request({
        type: 'commit',
        conversationId: id,
        commit: bytesToBase64(commit),
        groupInfo: bytesToBase64(groupInfo),
        added: [],
        removed: [],
      });
      const g: GroupSession = { state, cursor: committed.seq };
      this.groups.set(id, g);
      await this.save(id, g);
      await this.deps.observer.review(id, membersOf(state));
      return 'joined';
    } catch (err) {
      if (isConclaveError(err, 'CONCLAVE_ERR_STALE_EPOCH', 'CONCLAVE_ERR_GROUP_EXISTS')) return 'retry';
      throw err;
    }
  }

  // ------------------------------------------------------------ commits

  /**
   * Plans a Commit on the current state and sends it; on a lost epoch race
   * the old state stays, the winner is processed (it is queued before our
   * retry), and the plan is made again on the new state.
   */
  private async commitWithRetry(
    id: ConversationId,
    plan: (state: ClientState) => Promise<{ add?: KeyPackage[]; remove?: number[]; added?: DeviceId[]; removed?: DeviceId[] } | null>,
  ): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const outcome = await this.enqueue(id, async () => {
        const g = this.groups.get(id);
        if (g === undefined) return 'done';
        const changes = await plan(g.state);
        if (changes === null) return 'done';
        const epoch = epochOf(g.state);
        const next = await this.deps.mls.commit(g.state, changes);
        g.pending = { epoch, state: next.state };
        await this.save(id, g); // if the reply is lost, the log's echo of our Commit finds the new state here
        try {
          const committed = await this.deps.request({
            type: 'commit',
            conversationId: id,
            commit: bytesToBase64(next.commit),
            groupInfo: bytesToBase64(next.groupInfo),
            ...(next.welcome !== undefined && { welcome: bytesToBase64(next.welcome) }),
            added: changes.added ?? [],
            removed: changes.removed ?? [],
          });
          g.state = next.state;
          g.cursor = committed.seq;
          g.pending = undefined;
          await this.save(id, g);
          await this.deps.observer.review(id, membersOf(next.state).filter((m) => changes.added?.includes(m.deviceId)));
          return 'done';
        } catch (err) {
          if (!isConclaveError(err, 'CONCLAVE_ERR_STALE_EPOCH')) throw err;
          g.pending = undefined; // roll back: the saved pre-commit state stays current
          await this.save(id, g);
          return 'retry';
        }
      });
      if (outcome === 'done') return;
      await this.backoff(attempt);
    }
    throw new ConclaveError('CONCLAVE_ERR_STALE_EPOCH', 'Could not change the group: others kept changing it first.');
  }

  /** A group state that can no longer follow the log: drop it and rejoin by external commit. */
  private async resyncLater(id: ConversationId): Promise<void> {
    await this.forget(id);
    await this.joinWithRetry(id).catch((err: unknown) => this.reportLater(err, id));
  }

  // ------------------------------------------------------------ helpers

  private enqueue<T>(id: ConversationId, task: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(id) ?? Promise.resolve();
    const run = previous.then(task, task);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(id, settled);
    void settled.then(() => {
      if (this.queues.get(id) === settled) this.queues.delete(id);
    });
    return run;
  }

  private require(id: ConversationId): GroupSession {
    const g = this.groups.get(id);
    if (g === undefined) throw new ConclaveError('CONCLAVE_ERR_NOT_JOINED');
    return g;
  }

  private async save(id: ConversationId, g: GroupSession): Promise<void> {
    const value = {
      state: bytesToBase64(encodeState(g.state)),
      cursor: g.cursor,
      ...(g.pending !== undefined && { pending: { epoch: g.pending.epoch, state: bytesToBase64(encodeState(g.pending.state)) } }),
    };
    await this.deps.store.saveRecord(recordKey(id), encoder.encode(JSON.stringify(value)));
  }

  private backoff(attempt: number): Promise<void> {
    return this.deps.sleep(Math.min(2_000, 50 * 2 ** attempt) * (0.5 + this.deps.random()));
  }

  private reportLater(err: unknown, id: ConversationId): void {
    if (isConclaveError(err, 'CONCLAVE_ERR_DISCONNECTED', 'CONCLAVE_ERR_CLOSED')) return;
    this.deps.onError(isConclaveError(err) ? err : new ConclaveError('CONCLAVE_ERR_NOT_JOINED', undefined, { cause: err }), id);
  }
}


