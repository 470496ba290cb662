import type { FrameOf, ReplyOf, RequestInput, RequestType, ServerFrame } from '@conclave/protocol';
import { bytesToBase64 } from '../body.js';
import { ConclaveError, isConclaveError } from '../errors.js';
import { decodeKeyPair, encodeKeyPair, generateSignatureKeyPair, type SignatureKeyPair } from '../mls/identity.js';
import type { ClientStore, StoredSession } from '../store/store.js';
import type { Credentials } from '../types.js';

/** The `session` reply: who we are, this device's id, and the conversations we are in. */
export type SessionReply = FrameOf<ServerFrame, 'session'>;

/** What the session handshake needs. */
export interface SessionDeps {
  store: ClientStore;
  /** Device label sent with login/register. */
  deviceName: string;
  request<T extends RequestType>(input: RequestInput<T>): Promise<ReplyOf<T>>;
}

/**
 * This device's session: after the server's hello, log in or register with
 * the password (first connect only), or resume with the stored token; then
 * save the session so the next run needs no password. Also owns the device
 * signature key pair (record `device`), made on first use.
 */
export class SessionHandshake {
  /** Password credentials for the first handshake only; dropped once a token exists. */
  private credentials: Credentials | null = null;
  private session: StoredSession | null = null;
  private keys: SignatureKeyPair | null = null;

  constructor(private readonly deps: SessionDeps) {}

  /**
   * Prepares a connect: loads the stored session and remembers `credentials`.
   * @throws ConclaveError `CONCLAVE_ERR_NO_SESSION` when there are neither.
   */
  async prepare(credentials: Credentials | undefined): Promise<void> {
    this.session = await this.deps.store.loadSession();
    this.credentials = credentials ?? null;
    if (this.credentials === null && this.session === null) throw new ConclaveError('CONCLAVE_ERR_NO_SESSION');
  }

  /**
   * Authenticates the socket (login, register or resume) and saves the session.
   * A refused token is forgotten so the UI can ask for the password.
   * @throws ConclaveError `CONCLAVE_ERR_SESSION_INVALID`, `CONCLAVE_ERR_BAD_CREDENTIALS`,
   *   registration errors, `CONCLAVE_ERR_BAD_REPLY` (no token at all).
   */
  async authenticate(): Promise<{ reply: SessionReply; keys: SignatureKeyPair }> {
    const deviceId = this.session?.deviceId ?? (await this.deps.store.loadDeviceId()) ?? undefined;
    const keys = await this.deviceKeys();
    const device = { ...(deviceId !== undefined && { id: deviceId }), name: this.deps.deviceName, signatureKey: bytesToBase64(keys.publicKey) };
    const creds = this.credentials;
    let reply: SessionReply;
    if (creds === null && this.session !== null) {
      try {
        const token = this.session.token;
        reply = await this.deps.request(token === null ? { type: 'authenticate' } : { type: 'authenticate', token });
      } catch (err) {
        if (isConclaveError(err, 'CONCLAVE_ERR_SESSION_INVALID')) await this.forget();
        throw err;
      }
    } else if (creds?.kind === 'login') {
      reply = await this.deps.request({ type: 'login', username: creds.username, password: creds.password, device });
    } else if (creds?.kind === 'register') {
      const { username, password, code } = creds;
      reply = await this.deps.request({ type: 'register', username, password, ...(code && { code }), device });
    } else {
      throw new ConclaveError('CONCLAVE_ERR_NO_SESSION');
    }
    // A resumed session keeps its token (or its cookie: null).
    const token = reply.token ?? (this.session === null ? undefined : this.session.token);
    if (token === undefined) throw new ConclaveError('CONCLAVE_ERR_BAD_REPLY', 'The server sent no session token.');
    this.credentials = null; // from now on every reconnect resumes with the token
    this.session = { token, deviceId: reply.deviceId, userId: reply.user.userId, username: reply.user.username, expiresAt: reply.expiresAt };
    await this.deps.store.saveSession(this.session);
    return { reply, keys };
  }

  /** The session token for HTTPS requests (`Authorization: Bearer`); null on the web (the cookie) or before a session. Secret. */
  get token(): string | null {
    return this.session?.token ?? null;
  }

  /** Forgets the session here (after logout or a refused token); the device id stays. */
  async forget(): Promise<void> {
    this.session = null;
    await this.deps.store.saveSession(null);
  }

  /** This device's signature key pair (record `device`), made on first use. */
  private async deviceKeys(): Promise<SignatureKeyPair> {
    if (this.keys !== null) return this.keys;
    const stored = await this.deps.store.loadRecord('device');
    if (stored !== null) return (this.keys = decodeKeyPair(stored));
    const keys = await generateSignatureKeyPair();
    await this.deps.store.saveRecord('device', encodeKeyPair(keys));
    return (this.keys = keys);
  }
}
