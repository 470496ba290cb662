import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import path from 'node:path';
import { noticeSigningBytes, type NoticeFrame, type UnsignedNotice } from '@conclave/protocol';
import { readOrCreateSecretFile } from '../secret-file.js';

/** File in the data directory holding the notice key (PKCS#8 PEM, mode 0600). */
const NOTICE_KEY_FILE = 'notice-key.pem';

/**
 * The server's Ed25519 notice key (RFC 8032): signs every server notice so a
 * client can tell a notice from the server apart from anything else. The
 * public half goes out in `hello.noticeKey`; clients pin it on first use.
 */
export class NoticeSigner {
  /** Base64 of the raw 32-byte public key. */
  readonly publicKey: string;

  private constructor(private readonly privateKey: KeyObject) {
    const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
    this.publicKey = Buffer.from(jwk.x ?? '', 'base64url').toString('base64');
  }

  /**
   * Loads the key from the data directory, creating it on first start.
   * @throws Error when the file exists but is not an Ed25519 private key, or cannot be written.
   */
  static async load(dataDir: string): Promise<NoticeSigner> {
    const file = path.join(dataDir, NOTICE_KEY_FILE);
    const pem = await readOrCreateSecretFile(file, () => NoticeSigner.newPem());
    return NoticeSigner.fromPem(pem, file);
  }

  /** A new Ed25519 private key as PKCS#8 PEM. */
  static newPem(): string {
    return generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  }

  /**
   * The signer of a PKCS#8 PEM private key.
   * @param source where the key came from, for the error message
   * @throws Error when `pem` is not an Ed25519 private key.
   */
  static fromPem(pem: string, source: string): NoticeSigner {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${source} is not an Ed25519 key`);
    return new NoticeSigner(key);
  }

  /** The notice as a signed frame (signature over `noticeSigningBytes`). */
  sign(notice: UnsignedNotice): NoticeFrame {
    const signature = sign(null, noticeSigningBytes(notice), this.privateKey).toString('base64');
    return { type: 'notice', ...notice, signature };
  }
}
