import type { RequestInput, RequestType } from '@conclave/protocol';
import { systemClock, type Clock, type TimerHandle } from '../connection/clock.js';
import { Connection, type StateChange } from '../connection/connection.js';
import { ConclaveError, isConclaveError } from '../errors.js';
import { Emitter } from '../events.js';
import { runHandshake } from '../handshake/connect.js';
import { SessionHandshake } from '../handshake/session.js';
import { FileTransfers } from '../files/file-transfers.js';
import { NoticeVerifier } from '../notices/verifier.js';
import { routeFrame } from '../routing/frame-router.js';
import { clientRoutes } from '../routing/routes.js';
import { OutboxSender } from '../sending/sender.js';
import { ChatState } from '../state/chat-state.js';
import { Positions } from '../state/positions.js';
import { SyncController } from '../sync/sync-controller.js';
import type { ClientEvents, ClientOptions } from '../types.js';
import { ConversationMeta } from '../content/conversation-meta.js';
import { ContentEffects } from '../content/effects.js';
import { Preferences } from '../content/preferences.js';
import { ReceiptSender } from '../content/receipt-sender.js';
import { TypingBook } from '../content/typing.js';
import { randomId } from '../body.js';
import { MessageSearch } from '../search/message-search.js';
import { EngineHolder } from './engine-holder.js';
import { UserRequests } from './user-requests.js';

/** The parts of one client, wired together; `ConclaveClient` is the façade over them. */
export interface ClientCore {
  options: ClientOptions;
  clock: Clock;
  events: Emitter<ClientEvents>;
  state: ChatState;
  connection: Connection;
  session: SessionHandshake;
  positions: Positions;
  sync: SyncController;
  sender: OutboxSender;
  mls: EngineHolder;
  requests: UserRequests;
  /** Topics and members' read markers. */
  meta: ConversationMeta;
  /** Who is typing where. */
  typing: TypingBook;
  /** This user's read markers. */
  receipts: ReceiptSender;
  /** This device's chat preferences (read markers, muted conversations). */
  preferences: Preferences;
  /** The full-text index of the history kept here. */
  search: MessageSearch;
  /** Loads the stored index on first call (not at start-up: a `conclave send` never needs it); resolves once loaded. */
  searchReady: () => Promise<void>;
  /** Encrypted file uploads and downloads. */
  files: FileTransfers;
  /** Stops timers (the client is closing). */
  stopTimers(): void;
}

/** Builds and wires a client's parts from its options. */
export function assembleClient(options: ClientOptions): ClientCore {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const events = new Emitter<ClientEvents>();
  const state = new ChatState((snapshot) => events.emit('change', snapshot));
  // The connection is created last (it needs the handshake and routes); the closures below reach it once it exists.
  const request = <T extends RequestType>(input: RequestInput<T>) => connection.request(input);
  const report = (err: unknown): void => {
    // Lost connections are not reported here: they retry.
    if (isConclaveError(err, 'CONCLAVE_ERR_DISCONNECTED', 'CONCLAVE_ERR_CLOSED')) return;
    events.emit('error', isConclaveError(err) ? err : new ConclaveError('CONCLAVE_ERR_INTERNAL', undefined, { cause: err }));
  };
  const notices = new NoticeVerifier(options.store, (e) => events.emit('security', e));
  const session = new SessionHandshake({ store: options.store, deviceName: options.deviceName, request });
  const positions = new Positions({
    store: options.store,
    clock,
    state,
    saveDelayMs: options.cursorSaveDelayMs ?? 250,
    history: options.history ?? 'deliver',
    show: (entry) => events.emit('message', { ...entry, conversation: state.conversation(entry.conversationId) }),
    onSaveError: (err) => events.emit('error', new ConclaveError('CONCLAVE_ERR_INTERNAL', 'Could not save read positions.', { cause: err })),
  });
  const meta = new ConversationMeta(options.store);
  const search = new MessageSearch(options.store);
  let searchLoad: Promise<void> | undefined;
  const searchReady = (): Promise<void> => (searchLoad ??= search.load().catch(() => undefined));
  // A send-only session shows nothing: what it keeps is indexed from the history at the next search.
  const indexing = (options.history ?? 'deliver') === 'deliver';
  const preferences = new Preferences(options.store);
  state.topicOf = (id) => meta.topic(id)?.topic;
  state.mutedOf = (id) => preferences.isMuted(id);
  const typing = new TypingBook(clock, (change) => events.emit('typing', change));
  const effects = new ContentEffects({
    store: options.store,
    indexed: (entries) => {
      if (indexing) void searchReady().then(() => search.add(entries));
    },
    meta,
    typing,
    deliver: (entry) => positions.deliver(entry),
    security: (e) => events.emit('security', e),
    markerMoved: (conversationId) => events.emit('readMarkers', { conversationId }),
    topicChanged: () => state.changed(),
  });
  const mls = new EngineHolder({
    store: options.store,
    request,
    state,
    now: () => clock.now(),
    sleep: (ms) => new Promise((resolve) => clock.setTimeout(resolve, ms)),
    random,
    onContent: (arrival, content) => effects.apply(arrival, content),
    onEphemeral: (arrival, content) => effects.ephemeral(arrival, content),
    onSecurity: (e) => events.emit('security', e),
    onGap: () => sync.onGap(),
    mls: options.mls,
  });
  const sync = new SyncController({
    sync: async () => void (await request({ type: 'sync', cursors: mls.engine?.cursors() ?? {} })),
    applied: async () => mls.engine?.idle(),
    ready: () => connection.state === 'ready',
    caughtUp: () => positions.flush(),
  });
  const sender = new OutboxSender({
    clock,
    store: options.store,
    state,
    connectionState: () => connection.state,
    engine: () => mls.engine,
    onSent: (receipt) => events.emit('sent', receipt),
    keepOwn: (arrival, content) => effects.keepOwn(arrival, content),
  });
  const receipts = new ReceiptSender({
    clock,
    preferences,
    state,
    meta,
    send: (id, content) => sender.send(id, randomId(), content),
    enabled: (options.history ?? 'deliver') === 'deliver',
  });
  // A read position moves with a change of the snapshot (a conversation opened, a message read on screen).
  events.on('change', () => receipts.check());
  const requests = new UserRequests({ connection: () => connection, state, events, engine: () => mls.engine });
  let whoTimer: TimerHandle = null;
  const refreshOnline = (delayMs: number): void => {
    if (whoTimer !== null) return;
    whoTimer = clock.setTimeout(() => {
      whoTimer = null;
      requests.who().catch(() => undefined);
    }, delayMs);
  };
  const routes = clientRoutes({
    state,
    events,
    clock,
    random,
    notices,
    engine: () => mls.engine,
    observer: () => mls.observer,
    fastForward: (id, seq) => positions.fastForward(id, seq),
    forget: (id) => requests.forget(id),
    refreshOnline,
    report,
  });
  const onStateChange = (change: StateChange): void => {
    state.connection = change.state;
    // Others are not shown online while we cannot know: `who` refreshes the list on the next ready.
    if (change.state !== 'ready') state.setOnline([]);
    // Nobody's `typing: stop` reaches a lost connection.
    if (change.state !== 'ready') typing.clear();
    state.changed();
    events.emit('connection', change);
    if (change.error !== undefined) events.emit('error', change.error);
    if (change.state !== 'ready') return;
    sender.onReady();
    events.emit('synced', { reconnect: sender.readyCount > 1 });
    refreshOnline(0);
  };
  const connection: Connection = new Connection({
    url: options.url,
    socketFactory: options.socketFactory,
    clientName: options.clientName ?? 'conclave-cli/0.1',
    handshake: () =>
      runHandshake({
        noticeKey: () => connection.serverHello?.noticeKey ?? '',
        notices,
        session,
        state,
        positions,
        sync,
        startEngine: (keys) => mls.start(keys),
        report,
      }),
    onFrame: (frame) => routeFrame(frame, routes),
    onStateChange,
    clock,
    random,
    ...(options.requestTimeoutMs !== undefined && { requestTimeoutMs: options.requestTimeoutMs }),
    ...(options.pingIntervalMs !== undefined && { pingIntervalMs: options.pingIntervalMs }),
    ...(options.pongTimeoutMs !== undefined && { pongTimeoutMs: options.pongTimeoutMs }),
    ...(options.isVisible !== undefined && { isVisible: options.isVisible }),
  });
  const stopTimers = (): void => {
    if (whoTimer !== null) clock.clearTimeout(whoTimer);
    whoTimer = null;
    receipts.stop();
  };
  const files = new FileTransfers({
    transport: options.blobs,
    token: () => session.token,
    maxFileBytes: () => connection.serverHello?.limits.maxFileBytes,
    sha256: options.sha256,
    clock,
  });
  return { options, clock, events, state, connection, session, positions, sync, sender, mls, requests, meta, typing, receipts, preferences, search, searchReady, files, stopTimers };
}
