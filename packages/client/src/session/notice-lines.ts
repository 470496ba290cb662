import { assertNever, GENERAL_ROOM, type ConversationId, type ConversationInfo, type UserInfo } from '@conclave/protocol';
import type { ChatNotice } from '../types.js';
import { conversationLabel, sanitize } from './format.js';
import { NO_CONVERSATION, type PaneItem } from './pane-items.js';

/** What the model knows when placing a notice. */
export interface NoticeContext {
  me: UserInfo | null;
  /** The conversation on screen (null: none, or one still being set up). */
  current: ConversationId | null;
  conversations: readonly ConversationInfo[];
}

/** Where a notice goes and how it reads; `null` from `placeNotice` means it is not shown. */
export interface NoticePlacement {
  /** Panes to put the line in (deduplicated, never empty). */
  targets: ConversationId[];
  item: Omit<Extract<PaneItem, { kind: 'notice' }>, 'key'>;
  /** The sound it deserves when live. */
  cue: { sound: 'login' | 'logout' | 'private'; title: string; body?: string } | null;
}

/**
 * Turns a verified server notice into a pane line and where to show it.
 *
 * Presence (`login` / `logout`) goes only where that person is a member that
 * this client knows of: `#general` (everyone is in it) and your DM with them —
 * never into whatever conversation happens to be open; a `presence` summary
 * (a burst of them) goes to `#general` only, without a sound. Your own comings and
 * goings and `departed` housekeeping are not shown. A notice about a
 * conversation goes to that conversation; an admin's or the server's own
 * notices go to the conversation on screen, emphasised (title + body).
 */
export function placeNotice(n: ChatNotice, ctx: NoticeContext): NoticePlacement | null {
  const { me, current } = ctx;
  const mine = me !== null && n.user?.userId === me.userId;
  if ((n.kind === 'login' || n.kind === 'logout') && mine) return null;
  const who = n.user?.username ?? 'someone';
  const find = (id: ConversationId | undefined): ConversationInfo | undefined => ctx.conversations.find((c) => c.conversationId === id);
  const where = find(n.conversationId);
  const general = ctx.conversations.find((c) => c.kind === 'room' && c.name.toLowerCase() === GENERAL_ROOM)?.conversationId;
  let text = '';
  let title: string | undefined;
  let body = n.text ?? '';
  let targets: Array<ConversationId | null | undefined> = [n.conversationId ?? current];
  switch (n.kind) {
    case 'login':
    case 'logout': {
      text = `${who} logged ${n.kind === 'login' ? 'in' : 'out'}`;
      const dm = ctx.conversations.find((c) => c.kind === 'dm' && c.peer?.userId === n.user?.userId)?.conversationId;
      targets = [general, dm];
      break;
    }
    case 'join':
      text = `${who} joined ${conversationLabel(where, 'the room')}`;
      break;
    case 'leave':
      if (mine) {
        // Removed by an admin: the conversation goes away, so say it where the user is (or in #general).
        title = 'Server';
        body = `You were removed from ${conversationLabel(where, 'a room')}${n.text === undefined ? '' : ` (${n.text})`}.`;
        targets = [current !== null && current !== n.conversationId ? current : general];
      } else {
        text = `${who} left ${conversationLabel(where, 'the room')}`;
      }
      break;
    case 'server':
      title = 'Server';
      break;
    case 'broadcast':
      title = `Announcement from ${n.from?.username ?? 'an admin'}`;
      break;
    case 'direct':
      title = `Notice to you from ${n.from?.username ?? 'an admin'}`;
      break;
    case 'departed':
      return null; // housekeeping for the encryption groups, not news
    case 'presence':
      // Many comings and goings at once, summed up by the server (e.g. after its restart): one line, no sound.
      text = n.text ?? 'Several people logged in or out';
      targets = [general];
      break;
    case 'role':
      title = 'Server';
      body = n.text ?? `Your role is now ${n.role ?? 'member'}.`;
      break;
    default:
      assertNever(n.kind);
  }
  if (title === undefined && n.text !== undefined && n.kind !== 'presence') text += ` — ${n.text}`;
  const placed = [...new Set(targets.filter((t): t is ConversationId => t !== null && t !== undefined))];
  if (placed.length === 0) {
    // Nowhere fitting is known (e.g. presence before #general is listed): the pane on screen, or none.
    if (n.kind === 'login' || n.kind === 'logout' || n.kind === 'presence') return null;
    placed.push(current ?? general ?? NO_CONVERSATION);
  }
  let cue: NoticePlacement['cue'] = null;
  if (n.kind === 'login' || n.kind === 'logout') cue = { sound: n.kind, title: sanitize(text) };
  if (n.kind === 'broadcast' || n.kind === 'direct' || n.kind === 'server') {
    cue = { sound: 'private', title: n.kind === 'server' ? 'Server notice' : `Notice from ${n.from?.username ?? 'an admin'}`, body: sanitize(n.text ?? '') };
  }
  return {
    targets: placed,
    item: {
      kind: 'notice',
      at: n.at,
      notice: n.kind,
      text: sanitize(title === undefined ? text : `${title}: ${body}`),
      ...(title !== undefined && { emphasis: true, title: sanitize(title), body: sanitize(body) }),
      ...(n.from !== undefined && { from: n.from.username }),
    },
    cue,
  };
}
