import { WS_PATH } from '@conclave/protocol';
import {
  adaptWebSocket,
  ChatModel,
  ConclaveClient,
  ConclaveError,
  isConclaveError,
  toConclaveError,
  type Credentials,
  type Cue,
  type SocketFactory,
  type WebSocketLike,
} from '@conclave/client';
import { browserBlobs } from '../platform/blob-transport.js';
import { deviceName } from '../platform/device-name.js';
import { IdbStore } from '../platform/idb-store.js';
import { webWorkerMls } from '../platform/mls-thread.js';
import { lastUser, setLastUser } from '../platform/preferences.js';
import { acquireTabLock, requestTakeOver, type TabLock } from '../platform/tab-lock.js';

/** How long signing in waits for another tab of the same user to step aside, ms. */
const TAKE_OVER_WAIT_MS = 5_000;

/** Sent in `hello`. */
export const CLIENT_NAME = 'conclave-web/0.1';

/** Said in each conversation after the first sign-in on this browser (MLS gives a new device no past keys). */
export const NEW_DEVICE_TEXT = "This browser is a new device: earlier messages can't be read here.";

/** A signed-in chat: the client core, the shared view model, and this browser's store. */
export interface Session {
  client: ConclaveClient;
  model: ChatModel;
  store: IdbStore;
  /** True when this browser was not yet a device of the user before this sign-in. */
  newDevice: boolean;
  /** This tab's claim on the user's device (released when the session closes here). */
  lock: TabLock;
}

/** What the page does when another tab takes the user over: close this tab's session (`closeHere`). */
export type OnTakenOver = () => void;

/** The server's WebSocket address: the page's own origin, `wss://host/ws`. */
export function webSocketUrl(): string {
  const scheme = location.protocol === 'http:' ? 'ws:' : 'wss:';
  return `${scheme}//${location.host}${WS_PATH}`;
}

/** The browser's WebSocket as the core's `SocketFactory`. */
// The DOM's handler types (`(this: WebSocket, ev: Event) => any`) are narrower than `WebSocketLike`'s.
export const browserSockets: SocketFactory = adaptWebSocket((url) => new WebSocket(url) as unknown as WebSocketLike);

function makeSession(store: IdbStore, lock: TabLock, cue: (c: Cue) => void): Session {
  const client = new ConclaveClient({
    url: webSocketUrl(),
    socketFactory: browserSockets,
    store,
    deviceName: deviceName(),
    clientName: CLIENT_NAME,
    // A hidden tab reconnects less eagerly (the core backs off longer).
    isVisible: () => document.visibilityState === 'visible',
    // Commits and joins of large groups run in a Web Worker, off the page's thread.
    mls: webWorkerMls(),
    // Encrypted files go over HTTPS to this origin, authenticated by the session cookie.
    blobs: browserBlobs,
  });
  // The model subscribes before connecting, so the catch-up and security warnings land in the panes.
  const model = new ChatModel(client, { cue });
  return { client, model, store, newDevice: store.isNewDevice, lock };
}

/** Result of trying to resume on page load. */
export type ResumeResult =
  | { kind: 'resumed'; session: Session }
  /** Sign in (again): no stored user, no session, or the session was refused. `username` prefills the form. */
  | { kind: 'sign-in'; username: string; reason?: string }
  /** The server could not be reached (or failed); try again later. */
  | { kind: 'unreachable'; username: string; error: ConclaveError }
  /** The user's chat runs in another tab of this browser. */
  | { kind: 'elsewhere'; username: string };

/**
 * On page load: resumes the session of `localStorage['conclave.lastUser']`
 * when its database holds one (the token is the HttpOnly cookie), unless
 * another tab runs that user (`elsewhere`; with `takeOver` it is asked to
 * step aside first). Never throws.
 */
export async function resume(cue: (c: Cue) => void, onTakenOver: OnTakenOver, options: { takeOver?: boolean } = {}): Promise<ResumeResult> {
  const username = lastUser();
  if (username === null) return { kind: 'sign-in', username: '' };
  if (options.takeOver === true) requestTakeOver(username);
  const lock = await acquireTabLock(username, options.takeOver === true, onTakenOver);
  if (lock === null) return { kind: 'elsewhere', username };
  let store: IdbStore;
  try {
    store = await IdbStore.open(username);
  } catch (err) {
    lock.release();
    return { kind: 'sign-in', username, reason: storageProblem(err) };
  }
  if (!(await store.hasSession())) {
    store.close();
    lock.release();
    return { kind: 'sign-in', username };
  }
  const session = makeSession(store, lock, cue);
  try {
    await session.client.connect();
  } catch (err) {
    await closeHere(session);
    if (isConclaveError(err, 'CONCLAVE_ERR_SESSION_INVALID', 'CONCLAVE_ERR_NO_SESSION')) {
      return { kind: 'sign-in', username, reason: 'Your session has ended. Sign in again.' };
    }
    return { kind: 'unreachable', username, error: toConclaveError(err) };
  }
  await session.model.loadHistory();
  return { kind: 'resumed', session };
}

/**
 * Closes this tab's session without ending it on the server (another tab
 * takes over, or the page gives up): the connection, the database, the lock.
 * Never throws.
 */
export async function closeHere(session: Session): Promise<void> {
  await session.client.close().catch(() => undefined);
  session.store.close();
  session.lock.release();
}

/** Takes the user's lock for a sign-in, asking another tab to step aside if it holds it. */
async function lockForSignIn(username: string, onTakenOver: OnTakenOver): Promise<TabLock> {
  const lock = await acquireTabLock(username, false, onTakenOver);
  if (lock !== null) return lock;
  requestTakeOver(username);
  const waiting = acquireTabLock(username, true, onTakenOver);
  const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), TAKE_OVER_WAIT_MS));
  const got = await Promise.race([waiting, timeout]);
  if (got !== null) return got;
  void waiting.then((late) => late?.release());
  throw new ConclaveError('CONCLAVE_ERR_LOCAL_STATE', `Conclave is open as ${username} in another tab of this browser. Close it there first.`);
}

/**
 * Signs in or registers: takes the user over from another tab of this
 * browser if needed, opens the user's store (creating it on a new browser),
 * connects with `credentials`, loads the local history.
 * A database this attempt created is deleted again when the server refuses.
 * @throws ConclaveError with a message fit to show under the form
 *   (e.g. "Wrong username or password.").
 */
export async function signIn(credentials: Credentials, cue: (c: Cue) => void, onTakenOver: OnTakenOver): Promise<Session> {
  const lock = await lockForSignIn(credentials.username, onTakenOver);
  let store: IdbStore;
  try {
    store = await IdbStore.open(credentials.username);
  } catch (err) {
    lock.release();
    throw new ConclaveError('CONCLAVE_ERR_LOCAL_STATE', storageProblem(err));
  }
  const session = makeSession(store, lock, cue);
  try {
    await session.client.connect(credentials);
  } catch (err) {
    await session.client.close().catch(() => undefined);
    store.close();
    // Still holding the lock: no other tab can open the database being deleted.
    if (store.isNewDevice) await IdbStore.forgetDevice(credentials.username).catch(() => undefined);
    lock.release();
    throw toConclaveError(err);
  }
  setLastUser(session.client.snapshot().me?.username ?? credentials.username);
  await session.model.loadHistory();
  // A new account has no earlier messages to miss: the notice is for a sign-in on a new browser.
  if (session.newDevice && credentials.kind === 'login') {
    for (const c of session.client.snapshot().conversations) session.model.system(NEW_DEVICE_TEXT, 'info', c.conversationId);
  }
  return session;
}

/**
 * Signs out: ends the session on the server (best effort when offline: the
 * local session and cookie are dropped anyway), and with `forget` deletes
 * this browser's keys and history of the user.
 */
export async function signOut(session: Session, forget: boolean): Promise<void> {
  const username = session.store.username;
  try {
    await session.client.logout();
  } catch {
    // Not connected: the token is forgotten locally all the same (logout's `finally`).
  }
  session.store.close();
  session.lock.release();
  if (forget) {
    await IdbStore.forgetDevice(username).catch(() => undefined);
    setLastUser(null);
  }
}

function storageProblem(err: unknown): string {
  const detail = err instanceof Error ? err.message : String(err);
  return `This browser's storage is not available (${detail}). Private windows may block it.`;
}
