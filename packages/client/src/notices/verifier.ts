import { ed25519 } from '@noble/curves/ed25519.js';
import { noticeSigningBytes, type NoticeFrame } from '@conclave/protocol';
import { base64ToBytes, bytesToBase64 } from '../body.js';
import type { ClientStore } from '../store/store.js';
import type { SecurityEvent } from '../types.js';

/** Store record holding the pinned notice key of this profile's server (raw 32 bytes). */
const PIN_RECORD = 'server-notice-key';

/**
 * Checks that every server notice is signed by the server's notice key
 * (Ed25519, RFC 8032, over `noticeSigningBytes`). The key comes in the
 * server's `hello`; it is pinned on first use, and a different key later is
 * reported loudly (then pinned, so notices keep flowing: the TLS pin is what
 * decides whether this is still the same server).
 */
export class NoticeVerifier {
  private key: Uint8Array | null = null;

  constructor(
    private readonly store: Pick<ClientStore, 'loadRecord' | 'saveRecord'>,
    private readonly emit: (event: SecurityEvent) => void,
  ) {}

  /** Takes the key of a (re)connection's `hello`: base64 of 32 bytes; anything else leaves notices unverifiable. */
  async useKey(noticeKey: string): Promise<void> {
    let key: Uint8Array;
    try {
      key = base64ToBytes(noticeKey);
    } catch {
      key = new Uint8Array();
    }
    if (key.length !== 32) {
      this.key = null;
      return;
    }
    const pinned = await this.store.loadRecord(PIN_RECORD);
    if (pinned !== null && bytesToBase64(pinned) !== bytesToBase64(key)) {
      this.emit({
        kind: 'notice-key-changed',
        text: 'The server\'s notice key changed since your last visit. If the server was not reinstalled, treat its notices with suspicion.',
      });
    }
    if (pinned === null || bytesToBase64(pinned) !== bytesToBase64(key)) await this.store.saveRecord(PIN_RECORD, key);
    this.key = key;
  }

  /** True when the notice carries a valid signature by the current key. */
  verify(notice: NoticeFrame): boolean {
    if (this.key === null) return false;
    try {
      const { type: _type, signature, ...fields } = notice;
      return ed25519.verify(base64ToBytes(signature), noticeSigningBytes(fields), this.key);
    } catch {
      return false;
    }
  }
}
