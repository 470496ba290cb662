import type { GroupEngine } from '../mls/engine.js';
import type { SignatureKeyPair } from '../mls/identity.js';
import { KEY_PACKAGE_LOW, KEY_PACKAGE_TARGET } from '../mls/keypackages.js';
import type { NoticeVerifier } from '../notices/verifier.js';
import type { ChatState } from '../state/chat-state.js';
import type { Positions } from '../state/positions.js';
import type { SyncController } from '../sync/sync-controller.js';
import type { SessionHandshake } from './session.js';

/** What one (re)connect's handshake runs through. */
export interface HandshakeSteps {
  /** Base64 notice-signing key from the server's hello ('' when none). */
  noticeKey(): string;
  notices: NoticeVerifier;
  session: SessionHandshake;
  state: ChatState;
  positions: Positions;
  sync: SyncController;
  /** The group engine, built on the first handshake (it survives reconnects). */
  startEngine(keys: SignatureKeyPair): Promise<GroupEngine>;
  /** A background failure to report (not fatal to the handshake). */
  report(err: unknown): void;
}

/**
 * Everything between the server's hello and `ready`, on every (re)connect:
 * pin the notice key, authenticate (session), take the conversation list
 * (restoring the conversation that was open), start the group engine, count
 * unread and replay from the local history, catch up from the cursors, top up
 * KeyPackages, and join the groups this device is not in yet.
 * @throws ConclaveError from the session or the catch-up (the attempt fails; a fatal one closes).
 */
export async function runHandshake(s: HandshakeSteps): Promise<void> {
  await s.notices.useKey(s.noticeKey());
  const { reply, keys } = await s.session.authenticate();
  s.state.me = reply.user;
  s.state.deviceId = reply.deviceId;
  s.positions.restoreView();
  s.state.setConversations(reply.conversations);
  for (const c of reply.conversations) s.positions.fastForward(c.conversationId, c.seq);
  s.state.changed();
  const engine = await s.startEngine(keys);
  await s.positions.catchUpFromHistory(reply.conversations.map((c) => c.conversationId));
  await s.sync.catchUp();
  // KeyPackages first: a peer opening a DM with us needs one.
  await engine.topUpKeyPackages(KEY_PACKAGE_TARGET, KEY_PACKAGE_LOW).catch((err: unknown) => s.report(err));
  // Conversations this device is not in yet (new device, new room, a DM opened while away):
  // ready means able to read and write everywhere, so wait for the joins (failures are reported, not fatal).
  const joins = reply.conversations.filter((c) => !engine.has(c.conversationId)).map((c) => engine.ensureJoined(c.conversationId));
  for (const result of await Promise.allSettled(joins)) if (result.status === 'rejected') s.report(result.reason);
  // Unacknowledged messages are resent once `ready` (the sender's onReady), encrypted for the epoch the log has reached.
}
