import type { ConversationId, FrameOf, ServerFrame, UserId } from '@conclave/protocol';
import type { ChatState } from '../state/chat-state.js';
import type { ChatNotice, SecurityEvent } from '../types.js';
import type { NoticeVerifier } from './verifier.js';

/** What a notice may make the client do. */
export interface NoticeEffects {
  state: ChatState;
  /** An admin removed this user from a conversation: forget it. */
  removedFrom(conversationId: ConversationId): void;
  /** Someone logged in or out: re-read who is online soon. */
  presenceChanged(): void;
  /** `userId` left or was removed: take their leaves out of the conversation's group. */
  removeUser(conversationId: ConversationId, userId: UserId): void;
  emitNotice(notice: ChatNotice): void;
  emitSecurity(event: SecurityEvent): void;
}

/**
 * Applies server notices: only those signed by the server's notice key
 * (others are dropped with a `forged-notice` warning); presence, role
 * changes, removals (own and others'), then the `notice` event for the UI.
 */
export function applyNotice(frame: FrameOf<ServerFrame, 'notice'>, verifier: NoticeVerifier, fx: NoticeEffects): void {
  if (!verifier.verify(frame)) {
    fx.emitSecurity({ kind: 'forged-notice', text: 'A server notice without a valid server signature was ignored.' });
    return;
  }
  const { type: _type, signature: _signature, ...notice } = frame;
  const me = fx.state.me;
  const mine = notice.user !== undefined && notice.user.userId === me?.userId;
  if (mine && notice.kind === 'role' && notice.role !== undefined && me !== null) {
    fx.state.me = { ...me, role: notice.role };
    fx.state.changed();
  }
  if (notice.user !== undefined && (notice.kind === 'login' || notice.kind === 'logout')) {
    fx.state.markOnline(notice.user.userId, notice.user.username, notice.kind === 'login');
    fx.state.changed();
    fx.presenceChanged();
  }
  // A burst summed up in words: the list of who is online comes from `who`.
  if (notice.kind === 'presence') fx.presenceChanged();
  if ((notice.kind === 'leave' || notice.kind === 'departed') && notice.conversationId !== undefined && notice.user !== undefined) {
    if (mine) fx.removedFrom(notice.conversationId);
    else fx.removeUser(notice.conversationId, notice.user.userId);
  }
  fx.emitNotice(notice);
}
