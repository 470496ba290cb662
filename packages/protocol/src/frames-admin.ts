import { z } from 'zod';
import { ConversationIdSchema, UserIdSchema } from './ids.js';

/**
 * Admin frames: one request type `admin` whose `command` is tagged by
 * `action`, answered by an `admin` frame whose `result` carries the same
 * `action`. The server checks the sender's role on every one (a member gets
 * `CONCLAVE_ERR_FORBIDDEN`) and records each in the audit log.
 * Times are ms since the Unix epoch.
 */

const RequestId = z.string().min(1).max(64);
const Millis = z.number().int().nonnegative();
const Count = z.number().int().nonnegative();
const Username = z.string().min(1).max(64);
/** Text of an admin notice (`/broadcast`, `/notice`), in characters. */
export const MAX_NOTICE_CHARS = 1000;
const NoticeText = z.string().trim().min(1).max(MAX_NOTICE_CHARS);
/** Longest `/shutdown` delay, in seconds. */
export const MAX_SHUTDOWN_SECONDS = 3600;
/** Most audit entries one `audit` command returns. */
export const MAX_AUDIT_ENTRIES = 500;

/** Every admin command (`command` of an `admin` frame). */
export const AdminCommand = z.discriminatedUnion('action', [
  /** Creates an account; without `password` the server generates a strong one and returns it once. */
  z.object({ action: z.literal('add_user'), username: Username, password: z.string().min(1).max(2048).optional() }),
  z.object({ action: z.literal('list_users') }),
  /** Revokes every session of the user and disconnects their devices. */
  z.object({ action: z.literal('logout_user'), username: Username }),
  /** Deletes the account: sessions, devices and memberships go; the name stays reserved. */
  z.object({ action: z.literal('delete_user'), username: Username }),
  z.object({ action: z.literal('promote'), username: Username }),
  z.object({ action: z.literal('demote'), username: Username }),
  /** Removes the user from a room (not `#general`). */
  z.object({ action: z.literal('kick'), username: Username, room: z.string().min(1).max(64) }),
  z.object({ action: z.literal('broadcast'), text: NoticeText }),
  z.object({ action: z.literal('notice'), username: Username, text: NoticeText }),
  /** Stops the server after `seconds` (default 0): every client is told first. */
  z.object({ action: z.literal('shutdown'), seconds: z.number().int().min(0).max(MAX_SHUTDOWN_SECONDS).optional() }),
  z.object({ action: z.literal('set'), key: z.string().min(1).max(64), value: z.string().min(1).max(256) }),
  z.object({ action: z.literal('settings') }),
  /** The newest `limit` audit entries (default 20). */
  z.object({ action: z.literal('audit'), limit: z.number().int().min(1).max(MAX_AUDIT_ENTRIES).optional() }),
  /** Live counts for the admin page. */
  z.object({ action: z.literal('status') }),
]);
export type AdminCommand = z.infer<typeof AdminCommand>;
export type AdminAction = AdminCommand['action'];

export const AdminRequestFrame = z.object({ type: z.literal('admin'), id: RequestId, command: AdminCommand });

const UserRef = z.object({ userId: UserIdSchema, username: z.string() });
const Role = z.enum(['admin', 'member']);

/** One registered user as `/listusers` shows it. */
export const AdminUser = UserRef.extend({
  role: Role,
  online: z.boolean(),
  /** Devices ever registered (browsers, terminal profiles). */
  devices: Count,
  /** Unexpired sessions. */
  sessions: Count,
  /** Last time any of their devices connected; null when never. */
  lastSeenAt: Millis.nullable(),
  createdAt: Millis,
});
export type AdminUser = z.infer<typeof AdminUser>;

/** A runtime setting with its documented default. */
export const SettingInfo = z.object({ key: z.string(), value: z.string(), default: z.string(), description: z.string() });
export type SettingInfo = z.infer<typeof SettingInfo>;

/** One audit-log entry. Never holds a password or token. */
export const AuditEntry = z.object({
  at: Millis,
  /** Username of the admin, or `shell` for `conclave admin` on the server machine. */
  actor: z.string(),
  action: z.string(),
  target: z.string().nullable(),
  detail: z.string().nullable(),
  /** Remote address of the admin's connection; null from the shell. */
  address: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** Live counts of the server (this node). */
export const ServerStatus = z.object({
  registeredUsers: Count,
  onlineUsers: Count,
  /** Devices with at least one open connection. */
  onlineDevices: Count,
  connections: Count,
  rooms: Count,
  /** Messages accepted over the last 60 s. */
  messagesPerMinute: Count,
  uptimeMs: Millis,
});
export type ServerStatus = z.infer<typeof ServerStatus>;

/** Every admin result (`result` of an `admin` reply), tagged like its command. */
export const AdminResult = z.discriminatedUnion('action', [
  /** `password` only when the server generated it: show it once, it is not stored. */
  z.object({ action: z.literal('add_user'), user: UserRef.extend({ role: Role }), password: z.string().optional() }),
  z.object({ action: z.literal('list_users'), users: z.array(AdminUser) }),
  z.object({ action: z.literal('logout_user'), user: UserRef, sessions: Count, connections: Count }),
  z.object({ action: z.literal('delete_user'), user: UserRef }),
  z.object({ action: z.literal('promote'), user: UserRef.extend({ role: Role }) }),
  z.object({ action: z.literal('demote'), user: UserRef.extend({ role: Role }) }),
  z.object({ action: z.literal('kick'), user: UserRef, room: z.string(), conversationId: ConversationIdSchema }),
  /** `online`: users connected when it was sent. */
  z.object({ action: z.literal('broadcast'), online: Count }),
  z.object({ action: z.literal('notice'), user: UserRef, online: z.boolean() }),
  /** When the server stops. */
  z.object({ action: z.literal('shutdown'), at: Millis }),
  z.object({ action: z.literal('set'), setting: SettingInfo }),
  z.object({ action: z.literal('settings'), settings: z.array(SettingInfo) }),
  /** Newest first. */
  z.object({ action: z.literal('audit'), entries: z.array(AuditEntry) }),
  z.object({ action: z.literal('status'), status: ServerStatus }),
]);
export type AdminResult = z.infer<typeof AdminResult>;
/** The result of one admin action: `AdminResultOf<'list_users'>`. */
export type AdminResultOf<A extends AdminAction> = Extract<AdminResult, { action: A }>;

export const AdminReplyFrame = z.object({ type: z.literal('admin'), id: RequestId, result: AdminResult });
