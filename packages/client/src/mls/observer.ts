import type { ConversationId, DeviceId, UserId } from '@conclave/protocol';
import { base64ToBytes, bytesToBase64 } from '../body.js';
import type { ReplyOf, RequestInput, RequestType } from '@conclave/protocol';
import { keyFingerprint, safetyNumber } from '../trust/safety-number.js';
import type { TrustStore } from '../trust/pins.js';
import type { SecurityEvent } from '../types.js';
import type { Member } from './group.js';
import type { LeafOwner, SignatureKeyPair } from './identity.js';

/** How long a directory answer is reused, ms. */
const DIRECTORY_TTL_MS = 10_000;

/** A device as `/devices` shows it: directory entry, fingerprint, and what this device knows of it. */
export interface DeviceView {
  deviceId: DeviceId;
  name: string;
  fingerprint: string;
  /** ms since the Unix epoch, from the directory. */
  createdAt: number;
  /** Pinned here and confirmed by a safety number. */
  verified: boolean;
  /** Pinned here (seen in a group) at all. */
  pinned: boolean;
  /** This very device. */
  current: boolean;
}

/**
 * The client's Authentication Service checks (RFC 9750 §5): every leaf that
 * appears in a group is compared with the pins (trust on first use) and
 * with the server's device directory; anything new or different becomes a
 * `security` event in that conversation. Nothing here decides whether MLS
 * accepts a Commit (that is `policy.ts`, identical on every client).
 */
export class Observer {
  private readonly directory = new Map<UserId, { at: number; reply: ReplyOf<'devices'> }>();
  private readonly usernames = new Map<UserId, string>();

  constructor(
    private readonly deps: {
      trust: TrustStore;
      keys: SignatureKeyPair;
      owner(): LeafOwner & { username: string };
      request<T extends RequestType>(input: RequestInput<T>): Promise<ReplyOf<T>>;
      emit(event: SecurityEvent): void;
      now(): number;
    },
  ) {}

  /** A username learnt from the directory or the conversation list. */
  usernameOf(userId: UserId): string | undefined {
    return this.usernames.get(userId);
  }

  /** A user's name: known, else from the device directory, else a placeholder. */
  async nameOf(userId: UserId): Promise<string> {
    const known = this.usernames.get(userId);
    if (known !== undefined) return known;
    return (await this.directoryEntry(userId).catch(() => undefined))?.username ?? 'unknown user';
  }

  /** Remembers a user's name (from a conversation or presence). */
  learnName(userId: UserId, username: string): void {
    this.usernames.set(userId, username);
  }

  /** Checks leaves that (newly) appeared in a conversation's group. */
  async review(conversationId: ConversationId, members: Member[]): Promise<void> {
    const me = this.deps.owner();
    for (const m of members) {
      if (m.userId === me.userId && m.deviceId === me.deviceId) continue;
      let entry = await this.directoryEntry(m.userId).catch(() => undefined);
      // A cached listing may predate a device added since: ask again before crying wolf.
      if (entry !== undefined && !listsLeaf(entry, m)) entry = await this.directoryEntry(m.userId, true).catch(() => entry);
      const username = entry?.username ?? this.usernames.get(m.userId) ?? 'someone';
      const observation = await this.deps.trust.observe(m, username, m.signatureKey);
      const fingerprint = keyFingerprint(m.signatureKey);
      const base = { conversationId, userId: m.userId, username, deviceId: m.deviceId, fingerprint };
      const whose = m.userId === me.userId ? 'your' : `${username}'s`;
      if (observation === 'changed-key') {
        this.deps.emit({ ...base, kind: 'changed-key', text: `⚠ The key of ${whose} device ${m.deviceId} CHANGED (now ${fingerprint}). Verify with /verify ${username} before trusting it.` });
      } else if (observation === 'new-device') {
        const text =
          m.userId === me.userId
            ? `⚠ A new device of yours joined (${fingerprint}). If you did not sign in somewhere new, someone else did — or the server added it.`
            : `⚠ ${username} has a new, unverified device (${fingerprint}). If ${username} did not add one, the server may have. /verify ${username}`;
        this.deps.emit({ ...base, kind: 'new-device', text });
      } else if (observation === 'first-contact') {
        // Trust on first use: expected, so informational. Your own other devices are never "verified" by
        // comparing a number with yourself here (that is /devices), so no /verify hint for them.
        const text =
          m.userId === me.userId
            ? `Your other device ${fingerprint} is in this conversation.`
            : `First time talking with ${username}'s device ${fingerprint}. To be sure it is theirs, compare safety numbers: /verify ${username}`;
        this.deps.emit({ ...base, kind: 'first-contact', text });
      }
      if (entry !== undefined && !listsLeaf(entry, m)) {
        this.deps.emit({ ...base, kind: 'directory-mismatch', text: `⚠ ${whose} device ${fingerprint} in this conversation is not the one the server lists. Someone may be interfering.` });
      }
    }
  }

  /** The devices of a user (directory), with fingerprints and local trust. */
  async devices(userId: UserId): Promise<{ username: string; devices: DeviceView[] }> {
    const entry = await this.directoryEntry(userId, true);
    const me = this.deps.owner();
    return {
      username: entry.username,
      devices: entry.devices.map((d) => {
        const key = base64ToBytes(d.signatureKey);
        const pinned = this.deps.trust.devicesOf(userId).find((p) => p.deviceId === d.deviceId && p.key === d.signatureKey);
        return {
          deviceId: d.deviceId,
          name: d.name,
          fingerprint: keyFingerprint(key),
          createdAt: d.createdAt,
          verified: pinned?.verified ?? false,
          pinned: pinned !== undefined,
          current: userId === me.userId && d.deviceId === me.deviceId,
        };
      }),
    };
  }

  /**
   * The safety number between this user and `userId` (60 digits, 12 groups
   * of 5), over every device key either side knows: the directory's and the
   * pinned ones. Also returns the keys it covered, for `confirm`.
   */
  async safetyNumber(userId: UserId): Promise<{ username: string; number: string; covered: Array<{ deviceId: DeviceId; key: Uint8Array }> }> {
    const me = this.deps.owner();
    const theirs = await this.keySet(userId);
    const mine = await this.keySet(me.userId);
    const number = safetyNumber(
      { userId: me.userId, keys: mine.keys.map((k) => k.key) },
      { userId, keys: theirs.keys.map((k) => k.key) },
    );
    return { username: theirs.username, number, covered: theirs.keys };
  }

  /** Marks the devices a safety number covered as verified (the user confirmed it matched). */
  async confirm(userId: UserId, username: string, covered: Array<{ deviceId: DeviceId; key: Uint8Array }>): Promise<void> {
    await this.deps.trust.markVerified(userId, username, covered);
  }

  private async keySet(userId: UserId): Promise<{ username: string; keys: Array<{ deviceId: DeviceId; key: Uint8Array }> }> {
    const entry = await this.directoryEntry(userId, true);
    const byKey = new Map<string, { deviceId: DeviceId; key: Uint8Array }>();
    for (const d of entry.devices) byKey.set(d.signatureKey, { deviceId: d.deviceId, key: base64ToBytes(d.signatureKey) });
    for (const p of this.deps.trust.devicesOf(userId)) byKey.set(p.key, { deviceId: p.deviceId, key: p.keyBytes });
    const me = this.deps.owner();
    if (userId === me.userId) byKey.set(bytesToBase64(this.deps.keys.publicKey), { deviceId: me.deviceId, key: this.deps.keys.publicKey });
    return { username: entry.username, keys: [...byKey.values()] };
  }

  private async directoryEntry(userId: UserId, fresh = false): Promise<ReplyOf<'devices'>> {
    const cached = this.directory.get(userId);
    if (!fresh && cached !== undefined && this.deps.now() - cached.at < DIRECTORY_TTL_MS) return cached.reply;
    const reply = await this.deps.request({ type: 'devices', userId });
    this.directory.set(userId, { at: this.deps.now(), reply });
    this.usernames.set(userId, reply.username);
    return reply;
  }
}

/** True when the directory lists the leaf's device with the leaf's signature key. */
function listsLeaf(entry: ReplyOf<'devices'>, leaf: Member): boolean {
  const listed = entry.devices.find((d) => d.deviceId === leaf.deviceId);
  return listed !== undefined && listed.signatureKey === bytesToBase64(leaf.signatureKey);
}
