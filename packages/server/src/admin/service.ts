import {
  asConversationId,
  asUserId,
  assertNever,
  type AdminCommand,
  type AdminResult,
  type AuditEntry,
  type ServerStatus,
  type UserInfo,
  type UserRef,
} from '@conclave/protocol';
import type { Logger } from 'pino';
import type { AccountService } from '../accounts/service.js';
import type { AccountStore, UserRecord } from '../accounts/store.js';
import { newPassword } from '../accounts/tokens.js';
import type { Bus } from '../bus/bus.js';
import type { ConversationService } from '../conversations/service.js';
import { ServiceError } from '../errors.js';
import type { Hub } from '../presence/hub.js';
import type { SettingsService } from '../settings/service.js';
import type { AuditRecord, AuditStore } from './store.js';

/** Who runs an admin action: a logged-in user on a connection, or the shell on the server machine. */
export type Actor = { kind: 'user'; user: UserInfo; address: string } | { kind: 'shell' };

/** Audit entries `/audit` shows without a count. */
const DEFAULT_AUDIT_ENTRIES = 20;

const ref = (u: { id: string; username: string } | UserRecord): UserRef => ({ userId: asUserId(u.id), username: u.username });

/** What the admin service needs from the running server (absent in shell tasks). */
export interface AdminRuntime {
  hub: Hub;
  bus: Bus;
  log: Logger;
  /** Live counts for `status`. */
  status(): Promise<ServerStatus>;
  /** Stops the server after `delayMs` (the process then exits 0). */
  requestShutdown(delayMs: number): void;
}

/**
 * Admin controls: user management, notices, settings, shutdown and the audit
 * log. Every command first checks the stored role of the acting user (not
 * the session's copy, so a demotion takes effect at once); every change is
 * audited (who, what, target, when, from where — never a password).
 */
export class AdminService {
  private lastAuditAt = 0;

  constructor(
    private readonly accounts: AccountService,
    private readonly accountStore: AccountStore,
    private readonly conversations: ConversationService,
    private readonly settings: SettingsService,
    private readonly audit: AuditStore,
    private readonly runtime: AdminRuntime | null,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Runs one admin command for `actor`.
   * @throws ServiceError FORBIDDEN (not an admin; logged with the action only), NO_SUCH_USER,
   *   LAST_ADMIN, USERNAME_INVALID / USERNAME_TAKEN / PASSWORD_WEAK (add_user), SETTING_UNKNOWN /
   *   SETTING_INVALID (set), CANNOT_LEAVE / NOT_MEMBER / NO_SUCH_CONVERSATION (kick)
   */
  async run(actor: Actor, command: AdminCommand): Promise<AdminResult> {
    await this.requireAdmin(actor, command.action);
    switch (command.action) {
      case 'add_user': {
        const password = command.password ?? newPassword();
        const user = await this.accounts.createUser({ username: command.username, password, role: 'member' });
        await this.record(actor, 'add_user', user.username, command.password === undefined ? 'password generated' : 'password set by admin');
        return { action: 'add_user', user, ...(command.password === undefined && { password }) };
      }
      case 'list_users': {
        const users = await this.accountStore.listUsers(this.now());
        const online = new Set<string>((await this.runtime?.hub.online())?.map((u) => u.userId));
        return {
          action: 'list_users',
          users: users.map((u) => ({ ...u, userId: asUserId(u.userId), online: online.has(u.userId) })),
        };
      }
      case 'logout_user': {
        const user = await this.accounts.activeUser(command.username);
        const sessions = await this.accountStore.deleteSessionsOf(user.id);
        const connections = this.disconnect(user.id, 'CONCLAVE_ERR_SESSION_REVOKED');
        await this.record(actor, 'logout_user', user.username, `${sessions} session(s) ended`);
        return { action: 'logout_user', user: ref(user), sessions, connections };
      }
      case 'delete_user':
        return { action: 'delete_user', user: await this.deleteUser(actor, command.username) };
      case 'promote':
      case 'demote':
        return { action: command.action, user: await this.setRole(actor, command.username, command.action === 'promote' ? 'admin' : 'member') };
      case 'kick': {
        const user = await this.accounts.activeUser(command.username);
        const room = await this.conversations.kick(user.id, command.room);
        const by = actor.kind === 'user' ? actor.user.username : 'an admin';
        const notice = { kind: 'leave' as const, conversationId: room.conversationId, user: ref(user), text: `removed by ${by}` };
        // The members (who remove the user's devices from the group), and the user, who is no longer one.
        this.runtime?.hub.notice(notice);
        this.runtime?.hub.notice(notice, user.id);
        await this.record(actor, 'kick', user.username, room.name);
        return { action: 'kick', user: ref(user), room: room.name, conversationId: asConversationId(room.conversationId) };
      }
      case 'broadcast': {
        this.runtime?.hub.notice({ kind: 'broadcast', ...this.from(actor), text: command.text });
        await this.record(actor, 'broadcast', null, `${command.text.length} characters`);
        return { action: 'broadcast', online: (await this.runtime?.hub.online())?.length ?? 0 };
      }
      case 'notice': {
        const user = await this.accounts.activeUser(command.username);
        this.runtime?.hub.notice({ kind: 'direct', ...this.from(actor), user: ref(user), text: command.text }, user.id);
        await this.record(actor, 'notice', user.username, `${command.text.length} characters`);
        return { action: 'notice', user: ref(user), online: (await this.runtime?.hub.isOnline(user.id)) ?? false };
      }
      case 'shutdown': {
        const seconds = command.seconds ?? 0;
        const at = this.now() + seconds * 1000;
        const by = actor.kind === 'user' ? actor.user.username : 'the server admin';
        const when = seconds === 0 ? 'now' : `in ${seconds} s`;
        this.runtime?.hub.notice({ kind: 'server', text: `${by} is shutting the server down ${when}. Your client reconnects when it is back.` });
        await this.record(actor, 'shutdown', null, `in ${seconds} s`);
        this.runtime?.requestShutdown(seconds * 1000);
        return { action: 'shutdown', at };
      }
      case 'set': {
        const setting = await this.settings.set(command.key, command.value);
        // The other nodes of a cluster drop their cached value now rather than within a second.
        this.runtime?.bus.publish({ kind: 'settings', key: setting.key });
        await this.record(actor, 'set', setting.key, `${setting.key}=${setting.value}`);
        return { action: 'set', setting };
      }
      case 'settings':
        return { action: 'settings', settings: await this.settings.list() };
      case 'audit':
        return { action: 'audit', entries: await this.auditEntries(command.limit ?? DEFAULT_AUDIT_ENTRIES) };
      case 'status':
        if (!this.runtime) throw new ServiceError('CONCLAVE_ERR_INTERNAL', 'status without a running server');
        return { action: 'status', status: await this.runtime.status() };
      default:
        return assertNever(command);
    }
  }

  /**
   * Creates a single-use invite code (the `invite` frame), audited.
   * @throws ServiceError FORBIDDEN
   */
  async createInvite(actor: Actor & { kind: 'user' }, hours: number): Promise<{ code: string; expiresAt: number }> {
    const invite = await this.accounts.createInvite(actor.user, hours);
    await this.record(actor, 'invite', null, `valid ${hours} h`);
    return invite;
  }

  /** The newest `limit` audit entries, newest first. */
  async auditEntries(limit: number): Promise<AuditEntry[]> {
    const records = await this.audit.recent(limit);
    return records.map((r) => ({ at: r.at, actor: r.actorName, action: r.action, target: r.target, detail: r.detail, address: r.address }));
  }

  /**
   * Records an action in the audit log. `detail` must never hold a secret.
   * Times are made strictly increasing within this process so entries keep their order.
   */
  async record(actor: Actor, action: string, target: string | null, detail: string | null): Promise<void> {
    const at = Math.max(this.now(), this.lastAuditAt + 1);
    this.lastAuditAt = at;
    const entry: AuditRecord =
      actor.kind === 'user'
        ? { at, actorId: actor.user.userId, actorName: actor.user.username, action, target, detail, address: actor.address }
        : { at, actorId: null, actorName: 'shell', action, target, detail, address: null };
    await this.audit.append(entry);
  }

  private async deleteUser(actor: Actor, username: string): Promise<UserRef> {
    const user = await this.accounts.activeUser(username);
    if (!(await this.accountStore.markDeleted(user.id, this.now()))) throw new ServiceError('CONCLAVE_ERR_LAST_ADMIN');
    const conversationIds = await this.conversations.removeEverywhere(user.id);
    // Members' clients remove the user's devices from each group on this notice (RFC 9420 §12.1.3 Remove).
    for (const id of conversationIds) {
      this.runtime?.hub.notice({ kind: 'leave', conversationId: asConversationId(id), user: ref(user), text: 'account deleted' });
    }
    this.disconnect(user.id, 'CONCLAVE_ERR_ACCOUNT_DELETED');
    await this.record(actor, 'delete_user', user.username, `removed from ${conversationIds.length} conversation(s)`);
    return ref(user);
  }

  private async setRole(actor: Actor, username: string, role: 'admin' | 'member'): Promise<UserRef & { role: 'admin' | 'member' }> {
    const user = await this.accounts.activeUser(username);
    if (!(await this.accountStore.setRole(user.id, role))) throw new ServiceError('CONCLAVE_ERR_LAST_ADMIN');
    const by = actor.kind === 'user' ? actor.user.username : 'The server admin';
    const text = role === 'admin' ? `${by} made you an admin.` : `${by} made you a member (no longer an admin).`;
    if (user.role !== role) this.runtime?.hub.notice({ kind: 'role', user: ref(user), role, text }, user.id);
    await this.record(actor, role === 'admin' ? 'promote' : 'demote', user.username, null);
    return { ...ref(user), role };
  }

  /** Ends a user's connections on every node (after the reply to the admin has gone out). @returns those on this node. */
  private disconnect(userId: string, code: 'CONCLAVE_ERR_SESSION_REVOKED' | 'CONCLAVE_ERR_ACCOUNT_DELETED'): number {
    if (!this.runtime) return 0;
    const here = this.runtime.hub.connectionsOf(userId).size;
    const bus = this.runtime.bus;
    setImmediate(() => bus.publish({ kind: 'disconnect', userId, code }));
    return here;
  }

  private from(actor: Actor): { from?: UserRef } {
    return actor.kind === 'user' ? { from: { userId: actor.user.userId, username: actor.user.username } } : {};
  }

  /** @throws ServiceError FORBIDDEN when a user actor is not (or no longer) an admin. */
  private async requireAdmin(actor: Actor, action: string): Promise<void> {
    if (actor.kind === 'shell') return;
    const fresh = await this.accountStore.findUserById(actor.user.userId);
    if (fresh?.role === 'admin' && fresh.deletedAt === null) return;
    // The action only: its arguments may hold a password.
    this.runtime?.log.warn({ user: actor.user.username, action, address: actor.address }, 'admin command refused: not an admin');
    throw new ServiceError('CONCLAVE_ERR_FORBIDDEN', action);
  }
}
