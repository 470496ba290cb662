import { hostname } from 'node:os';
import { ConclaveClient, isConclaveError, type ClientStore } from '@conclave/client';
import { CliError } from './errors.js';
import { FileStore, savedUsers, userDir } from './profile.js';
import { nodeSocketFactory } from './socket.js';
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

/** A client for `addr` with the profile's store for `store` (not yet connected). */
export function makeClient(
  addr: ServerAddress,
  trust: Trust,
  store: ClientStore,
  history: 'deliver' | 'skip' = 'deliver',
): ConclaveClient {
  return new ConclaveClient({
    history,
    url: addr.wsUrl,
    socketFactory: nodeSocketFactory(trust),
    store,
    clientName: 'conclave-cli/0.1',
    deviceName: deviceName(),
  });
}

/** The store of `user` on `addr` in the profile. */
export function storeFor(profileDir: string, addr: ServerAddress, user: string): FileStore {
  return new FileStore(userDir(profileDir, addr.key, user));
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
 * Connects without asking anything: resumes the saved session, else (or if
 * the server ended it) logs in with `password`.
 * @throws CliError / ConclaveError with a one-line reason.
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
  const create = (): ConclaveClient => {
    const client = makeClient(addr, trust, store, params.history);
    params.onClient?.(client);
    return client;
  };
  const { addr, trust, profileDir, user } = params;
  const store = storeFor(profileDir, addr, user);
  const hadSession = (await store.loadSession()) !== null;
  const resumed = await resumeStoredSession(store, create);
  if (resumed !== null) return resumed;
  const password = await params.password();
  if (password === undefined) {
    const why = !hadSession ? `no saved session for ${user} on ${addr.key}` : `the saved session for ${user} has ended`;
    throw new CliError(`${why}; set CONCLAVE_PASSWORD or pass --password-stdin`);
  }
  const client = create();
  try {
    await client.connect({ kind: 'login', username: user, password });
  } catch (err) {
    await client.close();
    throw err;
  }
  return client;
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
  const text = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  return text === '' ? undefined : text;
}
