import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { ConclaveClient, isConclaveError, type ClientStore, type Credentials } from '@conclave/client';
import { httpsBlobTransport } from './blob-transport.js';
import { CliError } from './errors.js';
import { FileStore, savedUsers, userDir, WRONG_PROFILE_PASSWORD } from './profile.js';
import { threadMls } from './mls-thread.js';
import { nodeSocketFactory } from './socket.js';
import { lockProfile } from './store/profile-lock.js';
import type { Trust } from './tls/trust.js';
import type { ServerAddress } from './url.js';

/**
 * Resumes the session saved in `store`, if any, with a client from `create`.
 * @returns the connected client, or null when there is no saved session or the
 *   server refused it (CONCLAVE_ERR_SESSION_INVALID: log in again).
 * @throws ConclaveError for any other failure
 */
export async function resumeStoredSession(store: ClientStore, create: () => ConclaveClient): Promise<ConclaveClient | null> {
  if ((await store.loadSession()) === null) return null;
  const client = create();
  try {
    await client.connect();
    return client;
  } catch (err) {
    await client.close();
    if (!isConclaveError(err, 'CONCLAVE_ERR_SESSION_INVALID')) throw err;
    return null;
  }
}

/** The name this terminal registers its device under. */
export function deviceName(): string {
  return `terminal on ${hostname()}`.slice(0, 64);
}

/** The lock release of each profile opened by `lockAndOpen`, by store. */
const profileLocks = new WeakMap<ClientStore, () => Promise<void>>();
/** The store of each client made by `makeClient`. */
const storeOfClient = new WeakMap<ConclaveClient, ClientStore>();

/**
 * Takes the profile in `dir` for this process (`lockProfile`: a second
 * `conclave` on the same profile waits), then opens it with `open`; on failure
 * the lock is released again. `closeClient` releases it when done.
 * @throws CliError when another process keeps the profile, or what `open` throws
 */
export async function lockAndOpen(dir: string, open: () => Promise<FileStore>): Promise<FileStore> {
  const release = await lockProfile(dir);
  try {
    const store = await open();
    profileLocks.set(store, release);
    return store;
  } catch (err) {
    await release();
    throw err;
  }
}

/** Lets other processes use the profile of `store` again (no-op when it holds none). */
export async function releaseProfile(store: ClientStore): Promise<void> {
  await profileLocks.get(store)?.();
}

/** Closes `client` (see `ConclaveClient.close`), then lets other processes use its profile. */
export async function closeClient(client: ConclaveClient): Promise<void> {
  try {
    await client.close();
  } finally {
    const store = storeOfClient.get(client);
    if (store !== undefined) await releaseProfile(store);
  }
}

/** A client for `addr` with the profile's store for `store` (not yet connected). */
export function makeClient(
  addr: ServerAddress,
  trust: Trust,
  store: ClientStore,
  history: 'deliver' | 'skip' = 'deliver',
): ConclaveClient {
  const client = new ConclaveClient({
    history,
    url: addr.wsUrl,
    socketFactory: nodeSocketFactory(trust),
    // Files travel over HTTPS beside the WebSocket, trusted the same way.
    blobs: httpsBlobTransport(addr, trust),
    // Node's native SHA-256 names and checks them (~20× the pure-JavaScript default).
    sha256: () => createHash('sha256'),
    store,
    clientName: 'conclave-cli/0.1',
    deviceName: deviceName(),
    // Commits and joins of large groups run on a worker thread, off the terminal's event loop.
    mls: threadMls(),
  });
  storeOfClient.set(client, store);
  return client;
}

/** The profile directory of `user` on `addr` (see `FileStore`). */
export function profileOf(profileDir: string, addr: ServerAddress, user: string): string {
  return userDir(profileDir, addr.key, user);
}

/**
 * Unlocks (or, on first use, creates) the profile in `dir` with `password`,
 * holding it for this process until `closeClient` (`lockAndOpen`).
 * @throws CliError for a wrong password, naming the way out when the
 *   account's password changed since the profile was created
 */
export async function unlockProfile(dir: string, user: string, password: string): Promise<FileStore> {
  try {
    return await lockAndOpen(dir, () => FileStore.open(dir, password, { username: user }));
  } catch (err) {
    if (err instanceof CliError && err.message === WRONG_PROFILE_PASSWORD) throw wrongProfilePassword(dir);
    throw err;
  }
}

/** The final "wrong password" error, with the way out. */
export function wrongProfilePassword(dir: string): CliError {
  return new CliError(
    `${WRONG_PROFILE_PASSWORD} (${dir}); if your account password changed since you first logged in here, remove that folder to start the profile afresh`,
  );
}

/**
 * Connects a new client from `create` with `credentials`, whose password is
 * the one that unlocked `store`. On failure, a profile created just now and
 * never logged in is deleted, so the next attempt creates it under the
 * password the server accepts.
 * @throws ConclaveError from the server; CliError when the server refuses the
 *   password of an existing profile
 */
export async function connectWithCredentials(store: FileStore, create: () => ConclaveClient, credentials: Credentials): Promise<ConclaveClient> {
  const client = create();
  try {
    await client.connect(credentials);
    return client;
  } catch (err) {
    await client.close();
    await store.discardIfNeverLoggedIn();
    if (!store.created && isConclaveError(err, 'CONCLAVE_ERR_BAD_CREDENTIALS')) {
      throw new CliError(
        `the server refused the password that unlocks this profile (${store.dir}); if your account password changed, remove that folder and log in again`,
      );
    }
    throw err;
  }
}

/**
 * `--user`, or the only user with a saved profile on this server.
 * @throws CliError when neither settles it.
 */
export async function pickUser(profileDir: string, addr: ServerAddress, user: string | undefined): Promise<string> {
  if (user !== undefined && user !== '') return user;
  const saved = await savedUsers(profileDir, addr.key);
  if (saved.length === 1 && saved[0] !== undefined) return saved[0];
  throw new CliError(
    saved.length === 0 ? '--user NAME is required' : `--user is required (profiles on ${addr.key}: ${saved.join(', ')})`,
    2,
  );
}

/**
 * Connects without asking anything: unlocks the profile with `password`
 * (required: the profile is encrypted under it), resumes the saved session,
 * else (or if the server ended it) logs in with the same password. The
 * profile stays held for this process until `closeClient`.
 * @throws CliError when no password is given or it does not unlock the
 *   profile; CliError / ConclaveError with a one-line reason otherwise.
 */
export async function connectNonInteractive(params: {
  addr: ServerAddress;
  trust: Trust;
  profileDir: string;
  user: string;
  password: () => Promise<string | undefined>;
  /** `skip` for commands that only send (see `ClientOptions.history`). */
  history?: 'deliver' | 'skip';
  /** Called with each client before it connects (to subscribe to its events). */
  onClient?: (client: ConclaveClient) => void;
}): Promise<ConclaveClient> {
  const { addr, trust, profileDir, user } = params;
  const dir = profileOf(profileDir, addr, user);
  const existing = await FileStore.exists(dir);
  const password = await params.password();
  if (password === undefined) {
    const why = existing ? `the profile of ${user} on ${addr.key} is locked by their password` : `no saved session for ${user} on ${addr.key}`;
    throw new CliError(`${why}; set CONCLAVE_PASSWORD or pass --password-stdin`);
  }
  const store = await unlockProfile(dir, user, password);
  const create = (): ConclaveClient => {
    const client = makeClient(addr, trust, store, params.history);
    params.onClient?.(client);
    return client;
  };
  try {
    // A valid saved token resumes: the password only unlocked the profile and is not sent.
    const resumed = await resumeStoredSession(store, create);
    if (resumed !== null) return resumed;
    return await connectWithCredentials(store, create, { kind: 'login', username: user, password });
  } catch (err) {
    await releaseProfile(store);
    throw err;
  }
}

/** Reads the password for a non-interactive command: `--password-stdin` (first line) or `CONCLAVE_PASSWORD`. */
export function passwordSource(fromStdin: boolean): () => Promise<string | undefined> {
  let cached: Promise<string | undefined> | null = null;
  return () => {
    cached ??= fromStdin ? readStdinLine() : Promise.resolve(process.env.CONCLAVE_PASSWORD || undefined);
    return cached;
  };
}

async function readStdinLine(): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return pipedPassword(Buffer.concat(chunks).toString('utf8'));
}

/**
 * The password in what was piped to `--password-stdin`: its first line,
 * without the line break (`\n`, or `\r\n` as cmd.exe's `echo` and
 * PowerShell write it) and without a leading byte-order mark (U+FEFF, which
 * Windows PowerShell 5.1 sends with a UTF-8 `$OutputEncoding` and older
 * Notepad saves at the start of a file). Undefined when that line is empty.
 */
export function pipedPassword(text: string): string | undefined {
  const line = (text.replace(/^\uFEFF/, '').split('\n')[0] ?? '').replace(/\r$/, '');
  return line === '' ? undefined : line;
}
