import type { ConversationId, UserId } from '@conclave/protocol';
import type { Clock } from '../connection/clock.js';
import { ConclaveError } from '../errors.js';
import type { Emitter } from '../events.js';
import type { GroupEngine } from '../mls/engine.js';
import { KEY_PACKAGE_LOW, KEY_PACKAGE_TARGET } from '../mls/keypackages.js';
import type { Observer } from '../mls/observer.js';
import { applyNotice } from '../notices/handler.js';
import type { NoticeVerifier } from '../notices/verifier.js';
import type { ChatState } from '../state/chat-state.js';
import type { ClientEvents } from '../types.js';
import type { FrameRoutes } from './frame-router.js';

/** Delay before online users are re-read after a presence notice, ms. */
export const WHO_REFRESH_MS = 300;
/** Wait for a Welcome before joining a DM someone else opened with us by external commit, ms. */
export const WELCOME_GRACE_MS = 1_500;
/** Upper bound of the random delay before removing a departed member's leaves (spreads the work), ms. */
export const REMOVE_JITTER_MS = 1_000;

/** What the client's routes act on. */
export interface RouteDeps {
  state: ChatState;
  events: Emitter<ClientEvents>;
  clock: Clock;
  random: () => number;
  notices: NoticeVerifier;
  engine(): GroupEngine | null;
  observer(): Observer | null;
  /** A conversation's current seq is where a send-only session starts it. */
  fastForward(id: ConversationId, seq: number): void;
  /** This user left or was removed: drop the conversation. */
  forget(id: ConversationId): Promise<void>;
  /** Re-read who is online after `delayMs`. */
  refreshOnline(delayMs: number): void;
  /** A background failure to report. */
  report(err: unknown): void;
}

/** The client's handling of pushed frames (see `routeFrame`). */
export function clientRoutes(d: RouteDeps): FrameRoutes {
  const removeUser = (conversationId: ConversationId, userId: UserId): void => {
    // Every member's client does it: a random delay spreads the commits (losers find nothing left to remove).
    d.clock.setTimeout(() => {
      d.engine()?.removeUser(conversationId, userId).catch((err: unknown) => d.report(err));
    }, d.random() * REMOVE_JITTER_MS);
  };
  return {
    message: (frame) => d.engine()?.receive(frame),
    welcome: (frame) => d.engine()?.welcome(frame),
    conversation: ({ conversation }) => {
      d.fastForward(conversation.conversationId, conversation.seq);
      if (d.state.upsertConversation(conversation)) d.events.emit('conversation', conversation);
      d.state.changed();
      if (conversation.peer) d.observer()?.learnName(conversation.peer.userId, conversation.peer.username);
      d.engine()
        ?.ensureJoined(conversation.conversationId, conversation.kind === 'dm' ? WELCOME_GRACE_MS : 0)
        .catch((err: unknown) => d.report(err));
    },
    notice: (frame) =>
      applyNotice(frame, d.notices, {
        state: d.state,
        // An admin removed this user (`/kick`): forget it once the notice has been shown.
        removedFrom: (id) => d.clock.setTimeout(() => void d.forget(id).catch((err: unknown) => d.report(err)), 0),
        presenceChanged: () => d.refreshOnline(WHO_REFRESH_MS),
        removeUser,
        emitNotice: (n) => d.events.emit('notice', n),
        emitSecurity: (e) => d.events.emit('security', e),
      }),
    // The server saw our stock fall below its low-water mark; it is re-read, so a duplicate is harmless.
    keyPackagesLow: () => void d.engine()?.topUpKeyPackages(KEY_PACKAGE_TARGET, KEY_PACKAGE_LOW).catch((err: unknown) => d.report(err)),
    groupInfoWanted: (frame) => void d.engine()?.publishGroupInfo(frame.conversationId, frame.epoch).catch((err: unknown) => d.report(err)),
    error: (frame) => {
      const error = new ConclaveError(frame.code, frame.message);
      // A fatal one ends the connection: it is reported once, with the close (see the connection's state change).
      if (!error.fatal) d.events.emit('error', error);
    },
  };
}
