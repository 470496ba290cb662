import { GENERAL_ROOM, type DeviceId, type UserId } from '@conclave/protocol';
import type { ReplyOf, RequestInput, RequestType } from '@conclave/protocol';
import { ConclaveError } from './errors.js';
import type { DeviceView, Observer } from './mls/observer.js';
import type { ChatState } from './state/chat-state.js';

/** A safety number ready to show, and what confirming it would mark verified. */
export interface SafetyNumber {
  userId: UserId;
  username: string;
  /** 60 digits in 12 groups of 5, the same on both users' screens. */
  number: string;
  covered: Array<{ deviceId: DeviceId; key: Uint8Array }>;
}

/**
 * Contact verification for the UIs: `/verify USER` (safety number, then
 * confirm) and `/devices USER` (the directory with fingerprints and what
 * this device has pinned and verified).
 */
export class Verification {
  constructor(
    private readonly observer: Observer,
    private readonly state: ChatState,
    private readonly request: <T extends RequestType>(input: RequestInput<T>) => Promise<ReplyOf<T>>,
  ) {}

  /**
   * The safety number between you and `username`.
   * @throws ConclaveError `CONCLAVE_ERR_NO_SUCH_USER`, connection errors.
   */
  async safetyNumber(username: string): Promise<SafetyNumber> {
    const user = await this.resolve(username);
    const result = await this.observer.safetyNumber(user.userId);
    return { userId: user.userId, ...result };
  }

  /** Marks the devices a shown safety number covered as verified (call only after the user confirmed it matches). */
  confirm(number: SafetyNumber): Promise<void> {
    return this.observer.confirm(number.userId, number.username, number.covered);
  }

  /**
   * The devices of `username` (or yours) with fingerprints and trust.
   * @throws ConclaveError `CONCLAVE_ERR_NO_SUCH_USER`.
   */
  async devices(username: string): Promise<{ username: string; devices: DeviceView[] }> {
    const user = await this.resolve(username);
    return this.observer.devices(user.userId);
  }

  /** A username to its user id: yourself, DM peers, online users, else the members of #general (everyone). */
  private async resolve(username: string): Promise<{ userId: UserId; username: string }> {
    const key = username.replace(/^@/, '').toLowerCase();
    const snap = this.state.snapshot();
    if (snap.me && snap.me.username.toLowerCase() === key) return snap.me;
    for (const c of snap.conversations) if (c.peer && c.peer.username.toLowerCase() === key) return c.peer;
    for (const u of snap.online) if (u.username.toLowerCase() === key) return u;
    const general = snap.conversations.find((c) => c.name.toLowerCase() === GENERAL_ROOM);
    if (general !== undefined) {
      const who = await this.request({ type: 'who', conversationId: general.conversationId });
      const found = who.conversation?.members.find((m) => m.username.toLowerCase() === key);
      if (found) return found;
    }
    throw new ConclaveError('CONCLAVE_ERR_NO_SUCH_USER');
  }
}
