import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import path from 'node:path';
import { NoticeSigner } from '../notices/signer.js';
import { readOrCreateSecretFile } from '../secret-file.js';
import type { SecretStore } from './store.js';

/** File in the data directory holding a generated cluster secret key (base64, mode 0600) when none is given. */
export const SECRET_KEY_FILE = 'secret.key';

const SEALED_PREFIX = 'v1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Seals the server's secrets (the notice-signing key, the setup code) for
 * the shared database with AES-256-GCM (node:crypto; NIST SP 800-38D), under
 * a key derived with HKDF-SHA256 (RFC 5869) from the cluster secret key that
 * every node is given (`CONCLAVE_SECRET_KEY`), so the database alone — a
 * backup, a replica — does not give them away.
 * Sealed form: `v1.` + base64(IV ‖ ciphertext ‖ tag); the secret's name is the associated data.
 */
export class SecretBox {
  private readonly key: Buffer;

  /** @param secretKey the cluster secret key: any string of at least 16 characters (e.g. `openssl rand -base64 32`) */
  constructor(secretKey: string) {
    if (secretKey.trim().length < 16) throw new Error('the cluster secret key must be at least 16 characters (e.g. `openssl rand -base64 32`)');
    this.key = Buffer.from(hkdfSync('sha256', secretKey.trim(), 'conclave', 'conclave server secrets v1', 32));
  }

  /** Seals `plain` under the name it is stored as. */
  seal(name: string, plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv).setAAD(Buffer.from(name));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return SEALED_PREFIX + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64');
  }

  /**
   * Opens what `seal` made under the same name and key.
   * @throws Error when the value was sealed under another key (a node given a different `CONCLAVE_SECRET_KEY`) or altered.
   */
  open(name: string, sealed: string): string {
    const raw = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64');
    try {
      if (!sealed.startsWith(SEALED_PREFIX) || raw.length < IV_BYTES + TAG_BYTES) throw new Error('malformed');
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES)).setAAD(Buffer.from(name));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new Error(`the server's ${name} in the database cannot be opened with this node's secret key: every node must be given the same CONCLAVE_SECRET_KEY`);
    }
  }
}

/**
 * The cluster secret key: `given` (from `CONCLAVE_SECRET_KEY` or a file), or
 * the one in `<dataDir>/secret.key`, generated there on first use (enough for
 * a single node on PostgreSQL; a second node must be given the same key).
 * @throws Error when the file cannot be read or written, or the key is too short.
 */
export async function loadSecretBox(given: string | undefined, dataDir: string): Promise<SecretBox> {
  if (given !== undefined) return new SecretBox(given);
  const key = await readOrCreateSecretFile(path.join(dataDir, SECRET_KEY_FILE), () => `${randomBytes(32).toString('base64')}\n`);
  return new SecretBox(key);
}

/** Name of the sealed notice-signing key in `server_secrets`. */
const NOTICE_KEY = 'notice_key';
/** Name of the sealed setup code in `server_secrets`. */
const SETUP_CODE = 'setup_code';

/**
 * The cluster's notice-signing key (one for every node, so clients that
 * pinned it accept notices from any node): created by the first node to start
 * and stored sealed; a node starting at the same time adopts the first one's.
 * @throws Error when the stored key cannot be opened (another secret key) or is not an Ed25519 key.
 */
export async function sharedNoticeSigner(secrets: SecretStore, box: SecretBox, now: number): Promise<NoticeSigner> {
  const stored = (await secrets.get(NOTICE_KEY)) ?? (await secrets.putIfAbsent(NOTICE_KEY, box.seal(NOTICE_KEY, NoticeSigner.newPem()), now));
  return NoticeSigner.fromPem(box.open(NOTICE_KEY, stored), 'the notice key in the database');
}

/**
 * The cluster's one-time setup code kept sealed beside its hash, so every
 * node prints the same code (see `AccountService.ensureSetupCode`).
 */
export interface SharedSetupCode {
  /** The stored code, or undefined. */
  load(): Promise<string | undefined>;
  /** Stores `code` unless a code is stored; returns the stored one (the first node's, when two race). */
  offer(code: string, now: number): Promise<string>;
  /** Forgets the stored code (an admin exists, or it expired). */
  clear(): Promise<void>;
}

/** `SharedSetupCode` over the `server_secrets` table. */
export function sharedSetupCode(secrets: SecretStore, box: SecretBox): SharedSetupCode {
  return {
    async load() {
      const sealed = await secrets.get(SETUP_CODE);
      return sealed === undefined ? undefined : box.open(SETUP_CODE, sealed);
    },
    async offer(code, now) {
      return box.open(SETUP_CODE, await secrets.putIfAbsent(SETUP_CODE, box.seal(SETUP_CODE, code), now));
    },
    clear: () => secrets.delete(SETUP_CODE),
  };
}
