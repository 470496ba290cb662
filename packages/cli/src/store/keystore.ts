import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { hashRaw } from '@node-rs/argon2';
import { CliError } from '../errors.js';
import { createFileAtomic, readIfExists } from './files.js';

/**
 * Argon2id parameters of a profile key (RFC 9106 names: m in KiB, t passes,
 * p lanes, 32-byte output). The defaults (m = 64 MiB, t = 3, p = 1) follow
 * RFC 9106 §4's second recommended option; deriving takes ~0.1 s on a
 * laptop, once per command.
 */
export interface KdfParams {
  name: 'argon2id';
  /** Memory, KiB. */
  memoryCost: number;
  /** Passes over the memory. */
  timeCost: number;
  parallelism: number;
  /** Bytes of derived key. Always 32 (AES-256). */
  outputLen: 32;
}

export const DEFAULT_KDF: KdfParams = { name: 'argon2id', memoryCost: 65_536, timeCost: 3, parallelism: 1, outputLen: 32 };

/**
 * `keystore.json`, the only plaintext file in a user's profile directory:
 * how to derive the key from the password, and a verifier to tell a wrong
 * password from damage. Holds neither the password nor the key.
 */
export interface KeystoreFile {
  version: 1;
  /** The username as typed at first use (for the "log in as" list; the directory name shows it anyway). */
  username: string;
  kdf: KdfParams;
  /** 16 random bytes, base64. */
  salt: string;
  /** base64 of a sealed blob of `VERIFIER_TEXT` (role `verifier`). */
  verifier: string;
}

export const KEYSTORE_FILE = 'keystore.json';
const VERIFIER_TEXT = 'conclave profile key v1';
const FORMAT = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/**
 * The keys of one unlocked profile, derived from the password: an AES-256-GCM
 * key for contents and an HMAC-SHA256 key for file names (so names reveal no
 * record keys or conversation ids). Both come from the Argon2id output by
 * HKDF-SHA256 (RFC 5869) with distinct labels; the keys never leave this object.
 */
export class ProfileKey {
  readonly #contents: Buffer;
  readonly #names: Buffer;

  constructor(master: Uint8Array, salt: Uint8Array) {
    this.#contents = Buffer.from(hkdfSync('sha256', master, salt, 'conclave/profile/v1/contents/aes-256-gcm', 32));
    this.#names = Buffer.from(hkdfSync('sha256', master, salt, 'conclave/profile/v1/file-names/hmac-sha256', 32));
  }

  /**
   * Encrypts `plaintext` under a fresh random 96-bit nonce, with `role` (the
   * file's purpose, e.g. `session` or `record/<name>`) as additional data so a
   * blob moved to another role fails to open.
   * @returns `0x01 ‖ nonce (12) ‖ ciphertext ‖ tag (16)`
   */
  seal(role: string, plaintext: Uint8Array): Buffer {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#contents, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(role));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.of(FORMAT), nonce, body, cipher.getAuthTag()]);
  }

  /** The plaintext of a blob from `seal` with the same role, or null when it does not authenticate (wrong key, altered, truncated, other role). */
  open(role: string, blob: Uint8Array): Buffer | null {
    if (blob.length < 1 + NONCE_BYTES + TAG_BYTES || blob[0] !== FORMAT) return null;
    const nonce = blob.subarray(1, 1 + NONCE_BYTES);
    const tag = blob.subarray(blob.length - TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.#contents, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(role));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(blob.subarray(1 + NONCE_BYTES, blob.length - TAG_BYTES)), decipher.final()]);
    } catch {
      return null;
    }
  }

  /** A file name for `label` (64 lowercase hex chars): stable for this profile, meaningless without the key, safe on case-insensitive file systems. */
  fileName(label: string): string {
    return createHmac('sha256', this.#names).update(label, 'utf8').digest('hex');
  }
}

function aad(role: string): Buffer {
  return Buffer.from(`conclave-profile/v1\n${role}`, 'utf8');
}

/** Runs Argon2id on `password`. */
async function deriveMaster(password: string, salt: Uint8Array, kdf: KdfParams): Promise<Buffer> {
  return hashRaw(password, {
    algorithm: 2, // Algorithm.Argon2id: the package's const enum cannot be imported under isolatedModules
    memoryCost: kdf.memoryCost,
    timeCost: kdf.timeCost,
    parallelism: kdf.parallelism,
    outputLen: kdf.outputLen,
    salt,
  });
}

/**
 * Reads and validates a profile's keystore.json.
 * @returns null when the profile has none yet
 * @throws CliError when it exists but is malformed (never quoting its contents)
 */
export async function readKeystore(dir: string): Promise<KeystoreFile | null> {
  const raw = await readIfExists(join(dir, KEYSTORE_FILE));
  if (raw === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    parsed = null;
  }
  if (!isKeystore(parsed)) throw new CliError(`the profile's ${KEYSTORE_FILE} is damaged (${dir}); remove that folder to start the profile afresh`);
  return parsed;
}

/** Shape and sane bounds (a doctored keystore must not make us allocate 100 GiB). */
function isKeystore(v: unknown): v is KeystoreFile {
  const k = v as Partial<KeystoreFile> | null;
  const kdf = k?.kdf as Partial<KdfParams> | undefined;
  const int = (n: unknown, min: number, max: number): boolean => Number.isInteger(n) && (n as number) >= min && (n as number) <= max;
  return (
    typeof k === 'object' &&
    k !== null &&
    k.version === 1 &&
    typeof k.username === 'string' &&
    typeof k.salt === 'string' &&
    Buffer.from(k.salt, 'base64').length === 16 &&
    typeof k.verifier === 'string' &&
    kdf?.name === 'argon2id' &&
    int(kdf.memoryCost, 8 * (kdf.parallelism ?? 1), 4 * 1024 * 1024) &&
    int(kdf.timeCost, 1, 64) &&
    int(kdf.parallelism, 1, 16) &&
    kdf.outputLen === 32
  );
}

/**
 * Derives the key from `password` and checks it against the verifier.
 * @returns null for a wrong password
 */
export async function unlockKeystore(keystore: KeystoreFile, password: string): Promise<ProfileKey | null> {
  const salt = Buffer.from(keystore.salt, 'base64');
  const key = new ProfileKey(await deriveMaster(password, salt, keystore.kdf), salt);
  const check = key.open('verifier', Buffer.from(keystore.verifier, 'base64'));
  return check !== null && check.toString('utf8') === VERIFIER_TEXT ? key : null;
}

/**
 * Creates keystore.json in `dir` (which must exist) for `password`, with a
 * fresh salt.
 * @returns the key, or null when another process created the keystore first
 *   (then unlock that one instead)
 */
export async function createKeystore(dir: string, password: string, username: string, kdf: KdfParams = DEFAULT_KDF): Promise<ProfileKey | null> {
  const salt = randomBytes(16);
  const key = new ProfileKey(await deriveMaster(password, salt, kdf), salt);
  const file: KeystoreFile = {
    version: 1,
    username,
    kdf,
    salt: salt.toString('base64'),
    verifier: key.seal('verifier', Buffer.from(VERIFIER_TEXT, 'utf8')).toString('base64'),
  };
  const created = await createFileAtomic(join(dir, KEYSTORE_FILE), Buffer.from(`${JSON.stringify(file, null, 2)}\n`, 'utf8'));
  return created ? key : null;
}

/** The error for a profile file that does not authenticate under the unlocked key. `what` names it for the user (never its contents). */
export function alteredFileError(what: string, path: string): CliError {
  return new CliError(`${what} in the profile could not be decrypted: the file was altered or damaged (${path})`);
}
