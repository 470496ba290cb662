import { z } from 'zod';
import { ConversationIdSchema, DeviceIdSchema, UserIdSchema } from './ids.js';
import { ERROR_CODES } from './errors.js';
import { LIMITS } from './limits.js';
import { BlobIdSchema, MAX_ATTACHMENTS } from './files.js';
import {
  ClaimKeyPackagesFrame,
  CommitFrame,
  CommittedFrame,
  CreateGroupFrame,
  DevicesFrame,
  GetGroupInfoFrame,
  GroupInfoFrame,
  KeyPackagesFrame,
  KeyPackageStockFrame,
  ListDevicesFrame,
  PublishKeyPackagesFrame,
  SignatureKey,
  WelcomeFrame,
  KeyPackagesLowFrame,
  GroupInfoWantedFrame,
  PublishGroupInfoFrame,
} from './frames-e2ee.js';
import { AdminReplyFrame, AdminRequestFrame } from './frames-admin.js';

/**
 * Every frame of the Conclave wire protocol, defined once. Frames are JSON text
 * messages on the WebSocket at `WS_PATH`, tagged by `type`.
 *
 * Requests carry an `id` (chosen by the client, 1–64 chars); the reply to a
 * request carries the same `id`. Pushes (messages, notices) carry no `id`.
 * Times are milliseconds since the Unix epoch. Message bodies are base64 of
 * opaque bytes: the server never decodes their content.
 */

const RequestId = z.string().min(1).max(64);
const Millis = z.number().int().nonnegative();
const Seq = z.number().int().nonnegative();
const maxBodyBase64 = Math.ceil(LIMITS.maxHandshakeBytes / 3) * 4;
/**
 * Base64 (RFC 4648 §4) of a log entry: an MLS PrivateMessage (application
 * message, at most `LIMITS.maxCiphertextBytes`) or a Commit (at most
 * `LIMITS.maxHandshakeBytes`).
 */
const Body = z.string().max(maxBodyBase64).regex(/^[A-Za-z0-9+/]*={0,2}$/);
const ClientMsgId = z.string().min(8).max(64).regex(/^[A-Za-z0-9_-]+$/);
const DeviceInfo = z.object({
  /** Absent on a device's first login; the server assigns one and returns it. */
  id: DeviceIdSchema.optional(),
  /** A label the user recognises, e.g. "terminal on laptop". */
  name: z.string().min(1).max(64),
  /** The device's Ed25519 signature public key (its MLS leaf key); fixed for the device's life. */
  signatureKey: SignatureKey,
});

// ---------------------------------------------------------------- client → server

export const HelloFrame = z.object({
  type: z.literal('hello'),
  protocol: z.number().int().positive(),
  client: z.string().min(1).max(64),
});
export const RegisterFrame = z.object({
  type: z.literal('register'),
  id: RequestId,
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(2048),
  /** Invite code, or the one-time admin setup code the server printed. */
  code: z.string().min(1).max(128).optional(),
  device: DeviceInfo,
});
export const LoginFrame = z.object({
  type: z.literal('login'),
  id: RequestId,
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(2048),
  device: DeviceInfo,
});
/**
 * Resume with a session token from an earlier `session` reply. Without
 * `token`, the session cookie sent with this connection's WebSocket upgrade
 * is used (the web client keeps its token in an HttpOnly cookie it cannot read).
 */
export const AuthenticateFrame = z.object({
  type: z.literal('authenticate'),
  id: RequestId,
  token: z.string().min(1).max(128).optional(),
});
export const LogoutFrame = z.object({ type: z.literal('logout'), id: RequestId });
/** Ask for every message after each cursor; conversations left out are sent from seq 1. */
export const SyncFrame = z.object({
  type: z.literal('sync'),
  id: RequestId,
  cursors: z.record(z.string(), Seq).refine((c) => Object.keys(c).length <= LIMITS.maxSyncCursors, {
    message: 'too many cursors',
  }),
});
export const SendFrame = z.object({
  type: z.literal('send'),
  id: RequestId,
  conversationId: ConversationIdSchema,
  /** Idempotency key: a retry with the same id is stored once. */
  clientMsgId: ClientMsgId,
  /** An MLS PrivateMessage (application content) for the group's current epoch. */
  body: Body,
  /**
   * Not logged: the server fans it out to the member devices online now
   * (their `message` frames carry `ephemeral` and seq 0) and forgets it; the
   * `sent` reply has seq 0. For typing indicators (`EPHEMERAL_KINDS`). At most
   * `LIMITS.maxEphemeralBytes`, and `LIMITS.ephemeralPerSecond` per connection
   * (more are refused with `CONCLAVE_ERR_RATE_LIMITED`).
   */
  ephemeral: z.literal(true).optional(),
  /**
   * Blobs this message announces (a `file` content's `blob`): from then on the
   * members of the conversation may download them, and they are deleted with
   * the message (`BLOB_PATH`). Each must have been uploaded by this user;
   * unknown ones are refused with `CONCLAVE_ERR_BLOB_NOT_FOUND`.
   */
  attachments: z.array(BlobIdSchema).min(1).max(MAX_ATTACHMENTS).optional(),
});
export const JoinFrame = z.object({ type: z.literal('join'), id: RequestId, room: z.string().min(1).max(64) });
export const LeaveFrame = z.object({ type: z.literal('leave'), id: RequestId, conversationId: ConversationIdSchema });
export const ListRoomsFrame = z.object({ type: z.literal('rooms'), id: RequestId });
export const WhoFrame = z.object({
  type: z.literal('who'),
  id: RequestId,
  conversationId: ConversationIdSchema.optional(),
});
export const OpenDmFrame = z.object({ type: z.literal('open_dm'), id: RequestId, username: z.string().min(1).max(64) });
/** Admin only: a single-use registration code valid for `hours` (default 24, at most 720). */
export const CreateInviteFrame = z.object({
  type: z.literal('invite'),
  id: RequestId,
  hours: z.number().positive().max(720).optional(),
});
export const PingFrame = z.object({ type: z.literal('ping'), id: RequestId });

/** Every frame a client may send. */
export const ClientFrameSchema = z.discriminatedUnion('type', [
  HelloFrame,
  RegisterFrame,
  LoginFrame,
  AuthenticateFrame,
  LogoutFrame,
  SyncFrame,
  SendFrame,
  JoinFrame,
  LeaveFrame,
  ListRoomsFrame,
  WhoFrame,
  OpenDmFrame,
  CreateInviteFrame,
  PingFrame,
  PublishKeyPackagesFrame,
  ClaimKeyPackagesFrame,
  ListDevicesFrame,
  GetGroupInfoFrame,
  CreateGroupFrame,
  CommitFrame,
  PublishGroupInfoFrame,
  AdminRequestFrame,
]);
export type ClientFrame = z.infer<typeof ClientFrameSchema>;
export type ClientFrameType = ClientFrame['type'];

// ---------------------------------------------------------------- server → client

export const UserRef = z.object({ userId: UserIdSchema, username: z.string() });
export type UserRef = z.infer<typeof UserRef>;

export const UserInfo = UserRef.extend({ role: z.enum(['admin', 'member']) });
export type UserInfo = z.infer<typeof UserInfo>;

/** A conversation as one user sees it. `name` is `#room` or the other user's name for a DM. */
export const ConversationInfo = z.object({
  conversationId: ConversationIdSchema,
  kind: z.enum(['room', 'dm']),
  name: z.string(),
  /** For a DM, the other user. */
  peer: UserRef.optional(),
  /** Highest seq in the conversation's log when this was sent. */
  seq: Seq,
});
export type ConversationInfo = z.infer<typeof ConversationInfo>;

export const ServerHelloFrame = z.object({
  type: z.literal('hello'),
  protocol: z.number().int().positive(),
  server: z.string(),
  limits: z.object({
    maxFrameBytes: z.number().int(),
    maxBodyBytes: z.number().int(),
    /** Largest file in bytes before encryption (the `max_file_mb` setting), so a client refuses a larger one before encrypting it; absent from servers without files. */
    maxFileBytes: z.number().int().nonnegative().optional(),
  }),
  /**
   * How accounts are created here, so a client can ask for the right code:
   * `setupPending` while no admin exists (the first account needs the setup
   * code the server printed); `policy` otherwise (`invite`: an invite code).
   */
  registration: z.object({ policy: z.enum(['invite', 'open', 'closed']), setupPending: z.boolean() }),
  /**
   * Base64 of the server's Ed25519 public key that signs every `notice`
   * (see `noticeSigningBytes`). Clients pin it on first use.
   */
  noticeKey: z.string().max(64),
});
export const SessionFrame = z.object({
  type: z.literal('session'),
  id: RequestId,
  /** Present after `login` and `register`: keep it to `authenticate` later. Never logged. */
  token: z.string().optional(),
  expiresAt: Millis,
  user: UserInfo,
  deviceId: DeviceIdSchema,
  conversations: z.array(ConversationInfo),
});
export const OkFrame = z.object({ type: z.literal('ok'), id: RequestId });
export const ErrorFrame = z.object({
  type: z.literal('error'),
  id: RequestId.optional(),
  code: z.enum(ERROR_CODES),
  message: z.string(),
});
export const SyncedFrame = z.object({ type: z.literal('synced'), id: RequestId });
export const MessageFrame = z.object({
  type: z.literal('message'),
  conversationId: ConversationIdSchema,
  seq: Seq,
  sender: UserRef.extend({ deviceId: DeviceIdSchema }),
  /** `application`: an encrypted message; `commit`: an MLS Commit (membership or key change). */
  kind: z.enum(['application', 'commit']),
  clientMsgId: ClientMsgId,
  body: Body,
  sentAt: Millis,
  /** Not in the log (see `SendFrame.ephemeral`): `seq` is 0 and no cursor moves. */
  ephemeral: z.literal(true).optional(),
});
export const SentFrame = z.object({
  type: z.literal('sent'),
  id: RequestId,
  conversationId: ConversationIdSchema,
  clientMsgId: ClientMsgId,
  seq: Seq,
  sentAt: Millis,
});
/** Reply to `join`/`open_dm` (with `id`), or a push when someone adds you to a conversation. */
export const ConversationFrame = z.object({
  type: z.literal('conversation'),
  id: RequestId.optional(),
  conversation: ConversationInfo,
});
export const RoomsFrame = z.object({
  type: z.literal('rooms'),
  id: RequestId,
  rooms: z.array(
    z.object({ conversationId: ConversationIdSchema, name: z.string(), members: z.number().int(), joined: z.boolean() }),
  ),
});
export const WhoReplyFrame = z.object({
  type: z.literal('who'),
  id: RequestId,
  /** Everyone online on the server, with how many devices each has connected. */
  online: z.array(UserRef.extend({ devices: z.number().int() })),
  /** When asked about a conversation: its members, online or not. */
  conversation: z
    .object({
      conversationId: ConversationIdSchema,
      members: z.array(UserRef.extend({ online: z.boolean() })),
    })
    .optional(),
});
/**
 * A server-authored plaintext notice (presence, room changes, admin notices,
 * shutdown). Never mixed with member messages: it has its own frame type, and
 * it is signed with the server's notice key (`hello.noticeKey`).
 *
 * Kinds: `login`/`logout` (presence), `join`/`leave` (room membership; a
 * `leave` with `text` was an admin's doing), `server` (the server itself,
 * e.g. shutting down), `broadcast` (an admin to everyone), `direct` (an admin
 * to one user), `role` (`user`'s role changed to `role`), `departed` (`user`
 * is no longer a member but still has leaves in the group: sent at `sync`
 * when nobody was online to remove them; not shown to the user), `presence`
 * (many logins and logouts at once, summed up in `text`, e.g. "alice, bob
 * and 41 others logged in": the client asks `who` for the new list; see
 * `LIMITS.presenceBurst`).
 */
export const NoticeFrame = z.object({
  type: z.literal('notice'),
  kind: z.enum(['login', 'logout', 'join', 'leave', 'server', 'broadcast', 'direct', 'role', 'departed', 'presence']),
  conversationId: ConversationIdSchema.optional(),
  user: UserRef.optional(),
  /** The admin who sent a `broadcast` or `direct` notice. */
  from: UserRef.optional(),
  /** For `role`: the new role of `user`. */
  role: z.enum(['admin', 'member']).optional(),
  text: z.string().max(2000).optional(),
  at: Millis,
  /** Base64 Ed25519 signature over `noticeSigningBytes(frame)` (RFC 8032). */
  signature: z.string().max(128),
});
export type NoticeFrame = z.infer<typeof NoticeFrame>;

/** A notice's fields before it is signed. */
export type UnsignedNotice = Omit<NoticeFrame, 'type' | 'signature'>;

/**
 * The exact bytes the server signs for a notice: a domain-separation line,
 * then a JSON array of the fields in a fixed order (absent ones as null),
 * UTF-8 encoded.
 */
export function noticeSigningBytes(n: UnsignedNotice): Uint8Array {
  const fields = [
    n.kind,
    n.conversationId ?? null,
    n.user?.userId ?? null,
    n.user?.username ?? null,
    n.from?.userId ?? null,
    n.from?.username ?? null,
    n.role ?? null,
    n.text ?? null,
    n.at,
  ];
  return new TextEncoder().encode(`conclave-notice-v1\n${JSON.stringify(fields)}`);
}
export const InviteFrame = z.object({ type: z.literal('invite'), id: RequestId, code: z.string(), expiresAt: Millis });
export const PongFrame = z.object({ type: z.literal('pong'), id: RequestId });

/** Every frame the server may send. */
export const ServerFrameSchema = z.discriminatedUnion('type', [
  ServerHelloFrame,
  SessionFrame,
  OkFrame,
  ErrorFrame,
  SyncedFrame,
  MessageFrame,
  SentFrame,
  ConversationFrame,
  RoomsFrame,
  WhoReplyFrame,
  NoticeFrame,
  InviteFrame,
  PongFrame,
  KeyPackageStockFrame,
  KeyPackagesFrame,
  DevicesFrame,
  GroupInfoFrame,
  CommittedFrame,
  WelcomeFrame,
  KeyPackagesLowFrame,
  GroupInfoWantedFrame,
  AdminReplyFrame,
]);
export type ServerFrame = z.infer<typeof ServerFrameSchema>;
export type ServerFrameType = ServerFrame['type'];

/** Picks the frame of a union by its `type` tag: `FrameOf<ServerFrame, 'message'>`. */
export type FrameOf<F extends { type: string }, T extends F['type']> = Extract<F, { type: T }>;
