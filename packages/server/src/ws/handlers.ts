import {
  asUserId,
  assertNever,
  LIMITS,
  PROTOCOL_VERSION,
  type ClientFrame,
  type FrameOf,
} from '@conclave/protocol';
import type { AccountService, Principal } from '../accounts/service.js';
import type { AdminService } from '../admin/service.js';
import type { ConversationService } from '../conversations/service.js';
import type { DeliveryService } from '../delivery/service.js';
import type { DeviceService } from '../devices/service.js';
import { ServiceError } from '../errors.js';
import type { GroupService } from '../groups/service.js';
import type { Hub } from '../presence/hub.js';
import type { SettingsService } from '../settings/service.js';
import type { Connection } from './connection.js';
import { claimKeyPackages, commit, createGroup, groupInfo, listDevices, publishKeyPackages } from './handlers-e2ee.js';

/** What frame handlers call: one service per area, the hub, and the server's name. */
export interface HandlerContext {
  accounts: AccountService;
  admin: AdminService;
  settings: SettingsService;
  conversations: ConversationService;
  delivery: DeliveryService;
  devices: DeviceService;
  groups: GroupService;
  hub: Hub;
  serverName: string;
  /** Base64 of the server's notice-signing public key (sent in `hello`). */
  noticeKey: string;
}

const PRE_AUTH = new Set(['hello', 'register', 'login', 'authenticate', 'ping']);

/**
 * Handles one validated frame: checks the connection phase, calls one service
 * function and replies. Service errors become error frames with the request id.
 */
export async function handleFrame(ctx: HandlerContext, conn: Connection, frame: ClientFrame): Promise<void> {
  const id = 'id' in frame ? frame.id : undefined;
  if (conn.phase === 'closed') return;
  if (conn.phase === 'hello' && frame.type !== 'hello' && frame.type !== 'ping') {
    return conn.error('CONCLAVE_ERR_HELLO_REQUIRED', id);
  }
  if (conn.phase !== 'ready' && !PRE_AUTH.has(frame.type)) return conn.error('CONCLAVE_ERR_NOT_AUTHENTICATED', id);
  try {
    await dispatch(ctx, conn, frame);
  } catch (err) {
    if (err instanceof ServiceError) return conn.error(err.code, id, err.detail, err.message);
    conn.log.error({ err, frame: frame.type }, 'handler failed');
    conn.error('CONCLAVE_ERR_INTERNAL', id);
  }
}

async function dispatch(ctx: HandlerContext, conn: Connection, frame: ClientFrame): Promise<void> {
  switch (frame.type) {
    case 'hello':
      return hello(ctx, conn, frame);
    case 'register':
      return register(ctx, conn, frame);
    case 'login':
      return login(ctx, conn, frame);
    case 'authenticate':
      return authenticate(ctx, conn, frame);
    case 'logout':
      await ctx.accounts.logout(me(conn).tokenHash);
      conn.send({ type: 'ok', id: frame.id });
      return conn.close(1000, 'logged out');
    case 'sync':
      return sync(ctx, conn, frame);
    case 'send': {
      const { seq, sentAt } = await ctx.delivery.send(me(conn), frame);
      return conn.send({ type: 'sent', id: frame.id, conversationId: frame.conversationId, clientMsgId: frame.clientMsgId, seq, sentAt });
    }
    case 'join':
      return join(ctx, conn, frame);
    case 'leave': {
      const user = me(conn).user;
      const room = await ctx.conversations.leave(user, frame.conversationId);
      conn.send({ type: 'ok', id: frame.id });
      ctx.hub.notice({ kind: 'leave', conversationId: room.conversationId, user: ref(conn) });
      return;
    }
    case 'rooms':
      return conn.send({ type: 'rooms', id: frame.id, rooms: await ctx.conversations.listRooms(me(conn).user.userId) });
    case 'who':
      return who(ctx, conn, frame);
    case 'open_dm': {
      // Not followed yet: the log is routed to this device once it is in the DM's group.
      const { info } = await ctx.conversations.openDm(me(conn).user, frame.username);
      conn.know(info.conversationId);
      return conn.send({ type: 'conversation', id: frame.id, conversation: info });
    }
    case 'invite': {
      const { code, expiresAt } = await ctx.admin.createInvite({ kind: 'user', user: me(conn).user, address: conn.address }, frame.hours ?? 24);
      conn.log.info({ expiresAt }, 'invite created');
      return conn.send({ type: 'invite', id: frame.id, code, expiresAt });
    }
    case 'admin': {
      const result = await ctx.admin.run({ kind: 'user', user: me(conn).user, address: conn.address }, frame.command);
      // The action and target only: `add_user` may carry a password, notices carry text.
      conn.log.info({ action: frame.command.action, target: 'username' in frame.command ? frame.command.username : undefined }, 'admin command');
      return conn.send({ type: 'admin', id: frame.id, result });
    }
    case 'ping':
      return conn.send({ type: 'pong', id: frame.id });
    case 'publish_key_packages':
      return publishKeyPackages(ctx, conn, frame);
    case 'claim_key_packages':
      return claimKeyPackages(ctx, conn, frame);
    case 'devices':
      return listDevices(ctx, conn, frame);
    case 'group_info':
      return groupInfo(ctx, conn, frame);
    case 'create_group':
      return createGroup(ctx, conn, frame);
    case 'commit':
      return commit(ctx, conn, frame);
    default:
      return assertNever(frame);
  }
}

function me(conn: Connection): Principal {
  if (!conn.principal) throw new ServiceError('CONCLAVE_ERR_NOT_AUTHENTICATED');
  return conn.principal;
}

function ref(conn: Connection): { userId: Principal['user']['userId']; username: string } {
  const { userId, username } = me(conn).user;
  return { userId, username };
}

async function hello(ctx: HandlerContext, conn: Connection, frame: FrameOf<ClientFrame, 'hello'>): Promise<void> {
  if (conn.phase !== 'hello') return conn.error('CONCLAVE_ERR_BAD_FRAME', undefined, 'second hello');
  if (frame.protocol !== PROTOCOL_VERSION) {
    return conn.fail('CONCLAVE_ERR_PROTOCOL_VERSION', `client speaks ${frame.protocol}`);
  }
  conn.phase = 'unauthenticated';
  conn.send({
    type: 'hello',
    protocol: PROTOCOL_VERSION,
    server: ctx.serverName,
    limits: { maxFrameBytes: LIMITS.maxFrameBytes, maxBodyBytes: await ctx.settings.maxMessageBytes() },
    registration: await ctx.accounts.registrationInfo(),
    noticeKey: ctx.noticeKey,
  });
}

async function register(ctx: HandlerContext, conn: Connection, frame: FrameOf<ClientFrame, 'register'>): Promise<void> {
  if (conn.phase === 'ready') return conn.error('CONCLAVE_ERR_ALREADY_AUTHENTICATED', frame.id);
  const user = await ctx.accounts.register({ ...frame, address: conn.address });
  conn.log.info({ user: user.username, role: user.role }, 'registered');
  const { principal, token } = await ctx.accounts.sessionFor(user.userId, frame.device);
  await startSession(ctx, conn, frame.id, principal, token);
}

async function login(ctx: HandlerContext, conn: Connection, frame: FrameOf<ClientFrame, 'login'>): Promise<void> {
  if (conn.phase === 'ready') return conn.error('CONCLAVE_ERR_ALREADY_AUTHENTICATED', frame.id);
  const { principal, token } = await ctx.accounts.login({ ...frame, address: conn.address });
  await startSession(ctx, conn, frame.id, principal, token);
}

async function authenticate(ctx: HandlerContext, conn: Connection, frame: FrameOf<ClientFrame, 'authenticate'>): Promise<void> {
  if (conn.phase === 'ready') return conn.error('CONCLAVE_ERR_ALREADY_AUTHENTICATED', frame.id);
  // No token in the frame: the web client's HttpOnly cookie from the upgrade request.
  const token = frame.token ?? conn.cookieToken;
  if (token === undefined) return conn.error('CONCLAVE_ERR_SESSION_INVALID', frame.id);
  const principal = await ctx.accounts.authenticate(token, conn.address);
  await startSession(ctx, conn, frame.id, principal, undefined);
}

/** Marks the connection ready, replies with the session, and registers it for presence. */
async function startSession(
  ctx: HandlerContext,
  conn: Connection,
  id: string,
  principal: Principal,
  token: string | undefined,
): Promise<void> {
  if (conn.phase === 'closed') return;
  const conversations = await ctx.conversations.listFor(principal.user.userId);
  conn.principal = principal;
  conn.phase = 'ready';
  for (const c of conversations) conn.know(c.info.conversationId);
  conn.log.info({ user: principal.user.username, device: principal.deviceId }, 'authenticated');
  conn.send({
    type: 'session',
    id,
    ...(token === undefined ? {} : { token }),
    expiresAt: principal.expiresAt,
    user: principal.user,
    deviceId: principal.deviceId,
    conversations: conversations.map((c) => c.info),
  });
  ctx.hub.add(conn);
}

/**
 * Sends the device's pending Welcomes, then everything after each cursor of
 * the conversations whose group the device is in, then a `leave` notice for
 * each user still in one of its groups but no longer a member; `synced` when
 * caught up.
 */
async function sync(ctx: HandlerContext, conn: Connection, frame: FrameOf<ClientFrame, 'sync'>): Promise<void> {
  const plan = await ctx.groups.syncPlan(me(conn), frame.cursors);
  for (const welcome of plan.welcomes) conn.send(welcome);
  for (const { conversationId, from } of plan.follow) conn.follow(conversationId, from);
  await Promise.all(plan.follow.map(({ conversationId }) => conn.catchUp(conversationId)));
  // Removals nobody was online to commit: the device removes those leaves as after a live notice.
  for (const { conversationId, user } of plan.departed) {
    conn.sendText(ctx.hub.signedNotice({ kind: 'departed', conversationId, user }), 'notice');
  }
  conn.send({ type: 'synced', id: frame.id });
}

async function join(ctx: HandlerContext, conn: Connection, frame: FrameOf<ClientFrame, 'join'>): Promise<void> {
  // Not followed yet: the log is routed to this device once it is in the room's group (external commit).
  const { info, added } = await ctx.conversations.joinRoom(me(conn).user, frame.room);
  conn.know(info.conversationId);
  conn.send({ type: 'conversation', id: frame.id, conversation: info });
  if (added) ctx.hub.notice({ kind: 'join', conversationId: info.conversationId, user: ref(conn) });
}

async function who(ctx: HandlerContext, conn: Connection, frame: FrameOf<ClientFrame, 'who'>): Promise<void> {
  const online = ctx.hub.online();
  if (frame.conversationId === undefined) return conn.send({ type: 'who', id: frame.id, online });
  const members = await ctx.conversations.membersWithNames(me(conn).user, frame.conversationId);
  conn.send({
    type: 'who',
    id: frame.id,
    online,
    conversation: {
      conversationId: frame.conversationId,
      members: members.map((m) => ({ userId: asUserId(m.userId), username: m.username, online: ctx.hub.isOnline(m.userId) })),
    },
  });
}

