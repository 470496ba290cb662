import {
  assertNever,
  LIMITS,
  type AdminCommand,
  type AdminResultOf,
  type ConversationId,
  type ConversationInfo,
  type DeviceId,
  type FrameOf,
  type UserId,
  type ServerFrame,
} from '@conclave/protocol';
import { bytesToBase64, randomId } from './body.js';
import { encodeText } from './mls/content.js';
import type { GroupEngine } from './mls/engine.js';
import { startGroupEngine } from './mls/setup.js';
import { decodeKeyPair, encodeKeyPair, generateSignatureKeyPair, type SignatureKeyPair } from './mls/identity.js';
import { KEY_PACKAGE_LOW, KEY_PACKAGE_TARGET } from './mls/keypackages.js';
import type { Observer } from './mls/observer.js';
import { applyNotice } from './notices/handler.js';
import { NoticeVerifier } from './notices/verifier.js';
import type { Verification } from './verification.js';
import { systemClock, type Clock } from './connection/clock.js';
import { Connection, type StateChange } from './connection/connection.js';
import type { ReplyOf, RequestInput, RequestType } from '@conclave/protocol';
import type { ConnectionState } from './connection/state.js';
import { ConclaveError, isConclaveError } from './errors.js';
import { Emitter, type Unsubscribe } from './events.js';
import { Outbox, type OutboxEntry, type SentReceipt } from './outbox.js';
import { ChatState, type ChatSnapshot } from './state/chat-state.js';
import { CursorTracker } from './state/cursors.js';
import type { HistoryEntry, StoredSession } from './store/store.js';
import type { ChatMessage, ClientEvents, ClientOptions, Credentials, RoomListing, WhoResult } from './types.js';

/** Resyncs in a row that may fail to fill a gap before the gap is accepted (the server lost those seqs). */
const MAX_GAP_RESYNCS = 3;
/** Delay before a rate-limited message is sent again, ms. */
const RATE_LIMIT_RETRY_MS = 1_000;
/** Delay before online users are re-read after a presence notice, ms. */
const WHO_REFRESH_MS = 300;
/** Wait for a Welcome before joining a DM someone else opened with us by external commit, ms. */
const WELCOME_GRACE_MS = 1_500;
/** Upper bound of the random delay before removing a departed member's leaves (spreads the work), ms. */
const REMOVE_JITTER_MS = 1_000;
/** History entries replayed per conversation at connect (processed by another run of this device). */
const REPLAY_LIMIT = 500;

/**
 * The platform-free Conclave client: one per logged-in device. It owns the
 * connection, session, cursors, outbox and the shared view state; UIs call
 * its methods and render from its events and `snapshot()`.
 */
export class ConclaveClient {
  private readonly events = new Emitter<ClientEvents>();
  private readonly state: ChatState;
  private readonly outbox = new Outbox();
  private cursors = new CursorTracker();
  private readonly connection: Connection;
  /** Password credentials for the first handshake only; dropped once a token exists. */
  private credentials: Credentials | null = null;
  private session: StoredSession | null = null;
  private syncing = false;
  private gapSeen = false;
  private gapResyncs = 0;
  private syncedOnce = false;
  /** Bumped at every `ready`: a send started under an older count must not leave (it would overtake resends). */
  private readyCount = 0;
  private saveTimer: unknown = null;
  private savePromise: Promise<void> = Promise.resolve();
  private whoTimer: unknown = null;
  private keys: SignatureKeyPair | null = null;
  private engine: GroupEngine | null = null;
  private observer: Observer | null = null;
  /** Verification of contacts: safety numbers and device lists (after the first session). */
  verification: Verification | null = null;
  private readonly notices: NoticeVerifier;

  constructor(private readonly options: ClientOptions) {
    this.state = new ChatState((snapshot) => this.events.emit('change', snapshot));
    this.notices = new NoticeVerifier(options.store, (e) => this.events.emit('security', e));
    this.connection = new Connection({
      url: options.url,
      socketFactory: options.socketFactory,
      clientName: options.clientName ?? 'conclave-cli/0.1',
      handshake: () => this.handshake(),
      onFrame: (frame) => this.onFrame(frame),
      onStateChange: (change) => this.onConnection(change),
      ...(options.clock && { clock: options.clock }),
      ...(options.random && { random: options.random }),
      ...(options.requestTimeoutMs !== undefined && { requestTimeoutMs: options.requestTimeoutMs }),
      ...(options.pingIntervalMs !== undefined && { pingIntervalMs: options.pingIntervalMs }),
      ...(options.pongTimeoutMs !== undefined && { pongTimeoutMs: options.pongTimeoutMs }),
      ...(options.isVisible !== undefined && { isVisible: options.isVisible }),
    });
  }

  private get clock(): Clock {
    return this.options.clock ?? systemClock;
  }

  // ------------------------------------------------------------ public API

  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends keyof ClientEvents>(event: K, listener: (payload: ClientEvents[K]) => void): Unsubscribe {
    return this.events.on(event, listener);
  }

  /** The current view state (same object until something changes). */
  snapshot(): ChatSnapshot {
    return this.state.snapshot();
  }

  /** The connection state. */
  get connectionState(): ConnectionState {
    return this.connection.state;
  }

  /**
   * Connects, authenticates and catches up. Without `credentials` it resumes
   * the stored session. Resolves once `ready` (history after the stored
   * cursors has been emitted as `message` events).
   * @throws ConclaveError `CONCLAVE_ERR_NO_SESSION` (nothing stored),
   *   `CONCLAVE_ERR_SESSION_INVALID` (token refused: ask for the password),
   *   `CONCLAVE_ERR_BAD_CREDENTIALS`, registration errors, connect failures.
   */
  async connect(credentials?: Credentials): Promise<void> {
    this.cursors = new CursorTracker(await this.options.store.loadCursors());
    this.session = await this.options.store.loadSession();
    this.credentials = credentials ?? null;
    if (this.credentials === null && this.session === null) throw new ConclaveError('CONCLAVE_ERR_NO_SESSION');
    await this.connection.start();
  }

  /**
   * Sends a text message. It is kept and resent (same clientMsgId, so never
   * doubled) across reconnects until the server acknowledges it.
   * @returns the receipt with the message's seq.
   * @throws ConclaveError `CONCLAVE_ERR_BODY_TOO_LARGE` (over `LIMITS.maxBodyBytes` UTF-8 bytes),
   *   the server's refusal (e.g. `CONCLAVE_ERR_NOT_MEMBER`), `CONCLAVE_ERR_CLOSED`.
   */
  sendText(conversationId: ConversationId, text: string): Promise<SentReceipt> {
    const size = encodeText(text).length;
    const limit = this.maxBodyBytes;
    if (size > limit) {
      return Promise.reject(new ConclaveError('CONCLAVE_ERR_BODY_TOO_LARGE', `Message too long (${size} bytes; the limit here is ${limit}).`));
    }
    const body = text;
    if (this.connection.state === 'closed') return Promise.reject(new ConclaveError('CONCLAVE_ERR_CLOSED'));
    const clientMsgId = randomId();
    const promise = this.outbox.add({ clientMsgId, conversationId, body });
    if (this.connection.state === 'ready') this.transmit(clientMsgId);
    return promise;
  }

  /** Largest message text in UTF-8 bytes: the server's setting (its `hello`), never above `LIMITS.maxBodyBytes`. */
  get maxBodyBytes(): number {
    return Math.min(LIMITS.maxBodyBytes, this.connection.serverHello?.limits.maxBodyBytes ?? LIMITS.maxBodyBytes);
  }

  /**
   * Runs an admin command (the server checks the role: members get
   * `CONCLAVE_ERR_FORBIDDEN`).
   * @returns the command's result, e.g. `{ action: 'list_users', users }`.
   * @throws ConclaveError the server's refusal (FORBIDDEN, NO_SUCH_USER, LAST_ADMIN, SETTING_INVALID…)
   */
  async admin<C extends AdminCommand>(command: C): Promise<AdminResultOf<C['action']>> {
    const reply = await this.readyRequest({ type: 'admin', command });
    if (reply.result.action !== command.action) throw new ConclaveError('CONCLAVE_ERR_BAD_REPLY');
    return reply.result as AdminResultOf<C['action']>;
  }

  /** Number of messages awaiting the server's acknowledgement. */
  get pendingCount(): number {
    return this.outbox.size;
  }

  /** Joins (creating if needed) a room by `#name`; resolves once this device is in its MLS group. */
  async join(room: string): Promise<ConversationInfo> {
    const reply = await this.readyRequest({ type: 'join', room });
    await this.engine?.ensureJoined(reply.conversation.conversationId);
    return reply.conversation;
  }

  /** Opens (creating if needed) the DM with `username`, adding all devices of you both to its MLS group; works while they are offline. */
  async openDm(username: string): Promise<ConversationInfo> {
    const reply = await this.readyRequest({ type: 'open_dm', username });
    this.state.upsertConversation(reply.conversation);
    this.state.changed();
    await this.engine?.ensureJoined(reply.conversation.conversationId);
    return reply.conversation;
  }

  /** Leaves a room. @throws ConclaveError `CONCLAVE_ERR_CANNOT_LEAVE` for #general. */
  async leave(conversationId: ConversationId): Promise<void> {
    await this.readyRequest({ type: 'leave', conversationId });
    await this.forgetConversation(conversationId);
  }

  /** Drops a conversation this user left or was removed from: its group state and its place in the list. */
  private async forgetConversation(conversationId: ConversationId): Promise<void> {
    await this.engine?.forget(conversationId);
    const removed = this.state.removeConversation(conversationId);
    this.state.changed();
    if (removed !== undefined) this.events.emit('conversationRemoved', removed);
  }

  /** An admin removed this user from a conversation (`/kick`): forget it once the notice has been shown. */
  private removedFrom(conversationId: ConversationId): void {
    this.clock.setTimeout(() => {
      this.forgetConversation(conversationId).catch((err: unknown) => this.report(err));
    }, 0);
  }

  /** Who is online (and, given a conversation, its members). Also refreshes `snapshot().online`. */
  async who(conversationId?: ConversationId): Promise<WhoResult> {
    const reply = await this.readyRequest(conversationId === undefined ? { type: 'who' } : { type: 'who', conversationId });
    this.state.setOnline(reply.online);
    this.state.changed();
    return reply.conversation === undefined ? { online: reply.online } : { online: reply.online, members: reply.conversation.members };
  }

  /** The server's rooms, joined or not. */
  async rooms(): Promise<RoomListing[]> {
    return (await this.readyRequest({ type: 'rooms' })).rooms;
  }

  /** Admin only: a single-use invite code valid for `hours` (server default 24). */
  async createInvite(hours?: number): Promise<{ code: string; expiresAt: number }> {
    const reply = await this.readyRequest(hours === undefined ? { type: 'invite' } : { type: 'invite', hours });
    return { code: reply.code, expiresAt: reply.expiresAt };
  }

  /** Sets the conversation on screen (clears its unread count). */
  setCurrent(conversationId: ConversationId | null): void {
    this.state.setCurrent(conversationId);
    this.state.changed();
  }

  /** A listed conversation by `#room`, DM peer name or id. */
  findConversation(nameOrId: string): ConversationInfo | undefined {
    return this.state.find(nameOrId);
  }

  /**
   * The last `limit` messages of a conversation kept on this device
   * (decrypted history, oldest first). Messages from before this device
   * joined the conversation's group are not there: MLS gives a new device
   * no past keys.
   */
  history(conversationId: ConversationId, limit = 200): Promise<HistoryEntry[]> {
    return this.options.store.loadHistory(conversationId, limit);
  }

  /** The devices (MLS leaves) in a conversation's group as this device sees it; empty when not joined. */
  groupMembers(conversationId: ConversationId): Array<{ userId: UserId; deviceId: DeviceId; leafIndex: number }> {
    return (this.engine?.members(conversationId) ?? []).map(({ userId, deviceId, leafIndex }) => ({ userId, deviceId, leafIndex }));
  }

  /** Resolves when every received entry has been decrypted and applied. */
  async settled(): Promise<void> {
    await this.engine?.idle();
  }

  /** Ends the session on the server, forgets the token, and closes. */
  async logout(): Promise<void> {
    try {
      await this.readyRequest({ type: 'logout' });
    } finally {
      this.session = null;
      await this.options.store.saveSession(null);
      await this.close();
    }
  }

  /**
   * Closes the connection (the session stays valid for next time), fails
   * unacknowledged messages with `CONCLAVE_ERR_CLOSED` and saves the cursors.
   */
  async close(): Promise<void> {
    this.connection.close();
    if (this.whoTimer !== null) this.clock.clearTimeout(this.whoTimer);
    this.whoTimer = null;
    this.outbox.rejectAll(new ConclaveError('CONCLAVE_ERR_CLOSED', 'Closed before the server acknowledged the message.'));
    await this.flushCursors();
  }

  /** Saves dirty cursors now; resolves when stored. */
  flushCursors(): Promise<void> {
    if (this.saveTimer !== null) this.clock.clearTimeout(this.saveTimer);
    this.saveTimer = null;
    if (this.cursors.dirty && this.options.history !== 'skip') {
      const snapshot = this.cursors.snapshot({ clean: true });
      this.savePromise = this.savePromise.then(() => this.options.store.saveCursors(snapshot)).catch((err: unknown) => {
        this.events.emit('error', new ConclaveError('CONCLAVE_ERR_INTERNAL', 'Could not save read positions.', { cause: err }));
      });
    }
    return this.savePromise;
  }

  // ------------------------------------------------------------ handshake

  private async handshake(): Promise<void> {
    await this.notices.useKey(this.connection.serverHello?.noticeKey ?? '');
    const deviceId = this.session?.deviceId ?? (await this.options.store.loadDeviceId()) ?? undefined;
    const keys = await this.deviceKeys();
    const device = { ...(deviceId !== undefined && { id: deviceId }), name: this.options.deviceName, signatureKey: bytesToBase64(keys.publicKey) };
    const creds = this.credentials;
    let reply: FrameOf<ServerFrame, 'session'>;
    if (creds === null && this.session !== null) {
      try {
        const token = this.session.token;
        reply = await this.connection.request(token === null ? { type: 'authenticate' } : { type: 'authenticate', token });
      } catch (err) {
        if (isConclaveError(err, 'CONCLAVE_ERR_SESSION_INVALID')) {
          this.session = null;
          await this.options.store.saveSession(null);
        }
        throw err;
      }
    } else if (creds?.kind === 'login') {
      reply = await this.connection.request({ type: 'login', username: creds.username, password: creds.password, device });
    } else if (creds?.kind === 'register') {
      const { username, password, code } = creds;
      reply = await this.connection.request({ type: 'register', username, password, ...(code && { code }), device });
    } else {
      throw new ConclaveError('CONCLAVE_ERR_NO_SESSION');
    }
    // A resumed session keeps its token (or its cookie: null).
    const token = reply.token ?? (this.session === null ? undefined : this.session.token);
    if (token === undefined) throw new ConclaveError('CONCLAVE_ERR_BAD_REPLY', 'The server sent no session token.');
    this.credentials = null; // from now on every reconnect resumes with the token
    this.session = { token, deviceId: reply.deviceId, userId: reply.user.userId, username: reply.user.username, expiresAt: reply.expiresAt };
    await this.options.store.saveSession(this.session);
    this.state.me = reply.user;
    this.state.deviceId = reply.deviceId;
    this.state.setConversations(reply.conversations);
    if (this.options.history === 'skip') {
      for (const c of reply.conversations) this.cursors.fastForward(c.conversationId, c.seq);
    }
    this.state.changed();
    const engine = await this.startEngine(keys);
    await this.replayHistory(reply.conversations.map((c) => c.conversationId));
    await this.catchUp();
    // KeyPackages first: a peer opening a DM with us needs one.
    await engine.topUpKeyPackages(KEY_PACKAGE_TARGET, KEY_PACKAGE_LOW).catch((err: unknown) => this.report(err));
    // Conversations this device is not in yet (new device, new room, a DM opened while away):
    // ready means able to read and write everywhere, so wait for the joins (failures are reported, not fatal).
    const joins = reply.conversations.filter((c) => !engine.has(c.conversationId)).map((c) => engine.ensureJoined(c.conversationId));
    for (const result of await Promise.allSettled(joins)) if (result.status === 'rejected') this.report(result.reason);
    // Unacknowledged messages are resent once `ready` (see onConnection), encrypted for the epoch the log has reached.
  }

  /** This device's signature key pair (record `device`), made on first use. */
  private async deviceKeys(): Promise<SignatureKeyPair> {
    if (this.keys !== null) return this.keys;
    const stored = await this.options.store.loadRecord('device');
    if (stored !== null) return (this.keys = decodeKeyPair(stored));
    const keys = await generateSignatureKeyPair();
    await this.options.store.saveRecord('device', encodeKeyPair(keys));
    return (this.keys = keys);
  }

  /** The group engine, built once per client (it survives reconnects). */
  private async startEngine(keys: SignatureKeyPair): Promise<GroupEngine> {
    if (this.engine !== null) return this.engine;
    const parts = await startGroupEngine({
      store: this.options.store,
      request: (input) => this.connection.request(input),
      keys,
      state: this.state,
      now: () => this.clock.now(),
      sleep: (ms) => new Promise((resolve) => this.clock.setTimeout(resolve, ms)),
      random: this.options.random ?? Math.random,
      onMessage: (entry) => this.deliverEntry(entry),
      onSecurity: (e) => this.events.emit('security', e),
      onGap: () => {
        this.gapSeen = true;
        if (!this.syncing && this.connection.state === 'ready') void this.resync();
      },
    });
    this.observer = parts.observer;
    this.verification = parts.verification;
    return (this.engine = parts.engine);
  }

  /** Emits history entries after the UI cursors (decrypted by an earlier run of this device, e.g. `conclave send`). */
  private async replayHistory(conversationIds: ConversationId[]): Promise<void> {
    if (this.options.history === 'skip') return;
    for (const id of conversationIds) {
      const cursor = this.cursors.get(id);
      for (const entry of await this.options.store.loadHistory(id, REPLAY_LIMIT)) {
        if (entry.seq > cursor) this.deliverEntry(entry);
      }
    }
  }

  /** Sync from the cursors until no gap is left (or `MAX_GAP_RESYNCS` could not fill one). */
  private async catchUp(): Promise<void> {
    do {
      this.gapSeen = false;
      this.syncing = true;
      try {
        await this.connection.request({ type: 'sync', cursors: this.engine?.cursors() ?? {} });
        await this.engine?.idle();
      } finally {
        this.syncing = false;
      }
      this.gapResyncs = this.gapSeen ? this.gapResyncs + 1 : 0;
    } while (this.gapSeen && this.gapResyncs < MAX_GAP_RESYNCS);
    await this.flushCursors();
  }

  private onConnection(change: StateChange): void {
    this.state.connection = change.state;
    this.state.changed();
    this.events.emit('connection', change);
    if (change.error !== undefined) this.events.emit('error', change.error);
    if (change.state !== 'ready') return;
    this.readyCount++;
    this.events.emit('synced', { reconnect: this.syncedOnce });
    this.syncedOnce = true;
    for (const entry of this.outbox.due()) this.transmit(entry.clientMsgId);
    this.refreshOnline(0);
  }

  // ------------------------------------------------------------ frames

  private onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case 'message':
        this.engine?.receive(frame);
        return;
      case 'welcome':
        this.engine?.welcome(frame);
        return;
      case 'conversation':
        if (this.options.history === 'skip') this.cursors.fastForward(frame.conversation.conversationId, frame.conversation.seq);
        if (this.state.upsertConversation(frame.conversation)) this.events.emit('conversation', frame.conversation);
        this.state.changed();
        if (frame.conversation.peer) this.observer?.learnName(frame.conversation.peer.userId, frame.conversation.peer.username);
        this.engine
          ?.ensureJoined(frame.conversation.conversationId, frame.conversation.kind === 'dm' ? WELCOME_GRACE_MS : 0)
          .catch((err: unknown) => this.report(err));
        return;
      case 'notice':
        applyNotice(frame, this.notices, {
          state: this.state,
          removedFrom: (conversationId) => this.removedFrom(conversationId),
          presenceChanged: () => this.refreshOnline(WHO_REFRESH_MS),
          removeUser: (conversationId, userId) => {
            // Every member's client does it: a random delay spreads the commits (losers find nothing left to remove).
            this.clock.setTimeout(() => {
              this.engine?.removeUser(conversationId, userId).catch((err: unknown) => this.report(err));
            }, (this.options.random ?? Math.random)() * REMOVE_JITTER_MS);
          },
          emitNotice: (n) => this.events.emit('notice', n),
          emitSecurity: (e) => this.events.emit('security', e),
        });
        return;
      case 'error': {
        const error = new ConclaveError(frame.code, frame.message);
        // A fatal one ends the connection: it is reported once, with the close (see onConnection).
        if (!error.fatal) this.events.emit('error', error);
        return;
      }
      case 'hello':
      case 'session':
      case 'ok':
      case 'synced':
      case 'rooms':
      case 'who':
      case 'invite':
      case 'admin':
      case 'pong':
      case 'sent': // acked by `transmit` once the message is in the local history
      case 'key_package_stock':
      case 'key_packages':
      case 'devices':
      case 'group_info':
      case 'committed':
        return; // replies: the awaiting request handles them
      default:
        assertNever(frame);
    }
  }

  /** Shows a decrypted message once (UI cursor), counts it unread, and schedules a cursor save. */
  private deliverEntry(entry: HistoryEntry): void {
    // The engine applies the log exactly once and in order; commits use seqs too, so gaps are expected here.
    if (this.cursors.admit(entry.conversationId, entry.seq, true) === 'duplicate') return;
    const message: ChatMessage = { ...entry, conversation: this.state.conversation(entry.conversationId) };
    if (!entry.mine) {
      this.state.countUnread(entry.conversationId);
      this.state.changed();
    }
    this.events.emit('message', message);
    this.scheduleCursorSave();
  }

  private async resync(): Promise<void> {
    try {
      await this.catchUp();
    } catch {
      // a lost socket resyncs on reconnect anyway
    }
  }

  // ------------------------------------------------------------ outbox

  private transmit(clientMsgId: string): void {
    const entry: OutboxEntry | undefined = this.outbox.get(clientMsgId);
    if (entry === undefined || entry.inFlight) return;
    entry.inFlight = true;
    const { conversationId, body } = entry;
    const engine = this.engine;
    if (engine === null) {
      entry.inFlight = false;
      return;
    }
    const readyCount = this.readyCount;
    const sameConnection = () => this.connection.state === 'ready' && this.readyCount === readyCount;
    engine.send(conversationId, clientMsgId, body, sameConnection).then(
      async (sent) => {
        const me = this.state.me;
        if (me !== null && this.state.deviceId !== null) {
          // Kept at once, so a run that exits on the ack (conclave send) still has its own words.
          const sender = { userId: me.userId, username: me.username, deviceId: this.state.deviceId };
          await this.options.store
            .appendHistory([{ conversationId, seq: sent.seq, sender, sentAt: sent.sentAt, text: body, clientMsgId, mine: true }])
            .catch(() => undefined);
        }
        this.acked({ conversationId, clientMsgId, seq: sent.seq, sentAt: sent.sentAt });
      },
      (err: unknown) => {
        entry.inFlight = false;
        const code = isConclaveError(err) ? err.code : 'CONCLAVE_ERR_INTERNAL';
        switch (code) {
          case 'CONCLAVE_ERR_DISCONNECTED':
            // Resent on the next `ready`; if that already came, now (behind the ones it resent).
            if (this.connection.state === 'ready' && this.readyCount !== readyCount) this.transmit(clientMsgId);
            return;
          case 'CONCLAVE_ERR_CLOSED':
            return; // failed by close()
          case 'CONCLAVE_ERR_TIMEOUT':
          case 'CONCLAVE_ERR_RATE_LIMITED':
            this.clock.setTimeout(() => {
              if (this.connection.state === 'ready') this.transmit(clientMsgId);
            }, code === 'CONCLAVE_ERR_TIMEOUT' ? 0 : RATE_LIMIT_RETRY_MS);
            return;
          default: {
            const error = isConclaveError(err) ? err : new ConclaveError('CONCLAVE_ERR_INTERNAL', undefined, { cause: err });
            this.outbox.refuse(clientMsgId, error);
          }
        }
      },
    );
  }

  private acked(receipt: SentReceipt): void {
    if (this.outbox.ack(receipt)) this.events.emit('sent', receipt);
  }

  // ------------------------------------------------------------ helpers

  /** Reports a background failure as an `error` event (not for lost connections: those retry). */
  private report(err: unknown): void {
    if (isConclaveError(err, 'CONCLAVE_ERR_DISCONNECTED', 'CONCLAVE_ERR_CLOSED')) return;
    this.events.emit('error', isConclaveError(err) ? err : new ConclaveError('CONCLAVE_ERR_INTERNAL', undefined, { cause: err }));
  }

  /** A user-level request: only on a ready connection, so it never races the handshake. */
  private readyRequest<T extends RequestType>(input: RequestInput<T>): Promise<ReplyOf<T>> {
    if (this.connection.state !== 'ready') {
      const code = this.connection.state === 'closed' ? 'CONCLAVE_ERR_CLOSED' : 'CONCLAVE_ERR_DISCONNECTED';
      return Promise.reject(new ConclaveError(code));
    }
    return this.connection.request(input);
  }

  private scheduleCursorSave(): void {
    if (this.saveTimer !== null) return;
    this.saveTimer = this.clock.setTimeout(() => {
      this.saveTimer = null;
      void this.flushCursors();
    }, this.options.cursorSaveDelayMs ?? 250);
  }

  private refreshOnline(delayMs: number): void {
    if (this.whoTimer !== null) return;
    this.whoTimer = this.clock.setTimeout(() => {
      this.whoTimer = null;
      this.who().catch(() => undefined);
    }, delayMs);
  }
}
