import type { AdminCommand, AdminResultOf, ConversationId, ConversationInfo, ReplyOf, RequestInput, RequestType } from '@conclave/protocol';
import type { Connection } from '../connection/connection.js';
import { ConclaveError } from '../errors.js';
import type { Emitter } from '../events.js';
import type { GroupEngine } from '../mls/engine.js';
import type { ChatState } from '../state/chat-state.js';
import type { ClientEvents, RoomListing, WhoResult } from '../types.js';

/** What user-level requests act on. */
export interface UserRequestDeps {
  connection(): Connection;
  state: ChatState;
  events: Emitter<ClientEvents>;
  engine(): GroupEngine | null;
}

/**
 * The requests a user makes (join, DM, leave, who, rooms, invite, admin),
 * each only on a `ready` connection so it never races the handshake, and
 * what their replies change in the view state. See `ConclaveClient` for
 * each method's contract.
 */
export class UserRequests {
  constructor(private readonly d: UserRequestDeps) {}

  /**
   * A request on a ready connection.
   * @throws ConclaveError `CONCLAVE_ERR_DISCONNECTED` (not ready now), `CONCLAVE_ERR_CLOSED`, the server's refusal.
   */
  request<T extends RequestType>(input: RequestInput<T>): Promise<ReplyOf<T>> {
    const connection = this.d.connection();
    if (connection.state !== 'ready') {
      return Promise.reject(new ConclaveError(connection.state === 'closed' ? 'CONCLAVE_ERR_CLOSED' : 'CONCLAVE_ERR_DISCONNECTED'));
    }
    return connection.request(input);
  }

  async admin<C extends AdminCommand>(command: C): Promise<AdminResultOf<C['action']>> {
    const reply = await this.request({ type: 'admin', command });
    if (reply.result.action !== command.action) throw new ConclaveError('CONCLAVE_ERR_BAD_REPLY');
    return reply.result as AdminResultOf<C['action']>;
  }

  async join(room: string): Promise<ConversationInfo> {
    const reply = await this.request({ type: 'join', room });
    await this.d.engine()?.ensureJoined(reply.conversation.conversationId);
    return reply.conversation;
  }

  async openDm(username: string): Promise<ConversationInfo> {
    const reply = await this.request({ type: 'open_dm', username });
    this.d.state.upsertConversation(reply.conversation);
    this.d.state.changed();
    await this.d.engine()?.ensureJoined(reply.conversation.conversationId);
    return reply.conversation;
  }

  async leave(conversationId: ConversationId): Promise<void> {
    await this.request({ type: 'leave', conversationId });
    await this.forget(conversationId);
  }

  /** Drops a conversation this user left or was removed from: its group state and its place in the list. */
  async forget(conversationId: ConversationId): Promise<void> {
    await this.d.engine()?.forget(conversationId);
    const removed = this.d.state.removeConversation(conversationId);
    this.d.state.changed();
    if (removed !== undefined) this.d.events.emit('conversationRemoved', removed);
  }

  async who(conversationId?: ConversationId): Promise<WhoResult> {
    const reply = await this.request(conversationId === undefined ? { type: 'who' } : { type: 'who', conversationId });
    this.d.state.setOnline(reply.online);
    this.d.state.changed();
    return reply.conversation === undefined ? { online: reply.online } : { online: reply.online, members: reply.conversation.members };
  }

  async rooms(): Promise<RoomListing[]> {
    return (await this.request({ type: 'rooms' })).rooms;
  }

  async createInvite(hours?: number): Promise<{ code: string; expiresAt: number }> {
    const reply = await this.request(hours === undefined ? { type: 'invite' } : { type: 'invite', hours });
    return { code: reply.code, expiresAt: reply.expiresAt };
  }
}
