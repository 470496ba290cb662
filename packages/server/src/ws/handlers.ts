import {
  asUserId,
  LIMITS,
  PROTOCOL_VERSION,
  type ClientFrame,
  type FrameOf,
  type ReplyBody,
  type RequestFrame,
  type RequestType,
  type ServerFrame,
} from '@conclave/protocol';
import type { Principal } from '../accounts/service.js';
import { ServiceError } from '../errors.js';
import type { Connection } from './connection.js';
import { claimKeyPackages, commit, createGroup, groupInfo, listDevices, publishGroupInfo, publishKeyPackages } from './handlers-e2ee.js';
import type { Answer, FollowedReply, HandlerContext, RequestHandler } from './handler-types.js';
import { phaseRefusal } from './admission.js';
import { setMaxPayload } from './payload-limit.js';

export type { Answer, HandlerContext, RequestHandler };


function followedBy<T extends RequestType>(reply: ReplyBody<T>, after: () => void): FollowedReply<T> {
  return { reply, after };
}

/**
 * Handles one validated frame: checks the connection phase, calls one service
 * function and replies. Service errors become error frames with the request id.
 */
export async function handleFrame(ctx: HandlerContext, conn: Connection, frame: ClientFrame): Promise<void> {
  const id = 'id' in frame ? frame.id : undefined;
  if (conn.phase === 'closed') return;
  // The gateway refuses these before validation; checked again for frames queued before a phase change.
  const refusal = phaseRefusal(conn.phase, frame.type);
  if (refusal !== undefined) return conn.error(refusal, id);
  try {
    if (frame.type === 'hello') return await hello(ctx, conn, frame);
    await answer(ctx, conn, frame);
  } catch (err) {
    if (err instanceof ServiceError) return conn.error(err.code, id, err.detail, err.message);
    conn.log.error({ err, frame: frame.type }, 'handler failed');
    conn.error('CONCLAVE_ERR_INTERNAL', id);
  }
}

/** Runs the request's handler and sends its reply with the request's id, then the reply's follow-up. */
async function answer(ctx: HandlerContext, conn: Connection, frame: Exclude<ClientFrame, { type: 'hello' }>): Promise<void> {
  // `HANDLERS` pairs each type with its handler; TypeScript cannot correlate the union here, hence the cast.
  const handler = HANDLERS[frame.type] as (ctx: HandlerContext, conn: Connection, frame: ClientFrame) => Promise<Answer<RequestType>>;
  const result = await handler(ctx, conn, frame);
  if (result === null) return;
  const { reply, after } = 'reply' in result ? result : { reply: result, after: undefined };
  // The table's type guarantees `reply.type === REPLY_TYPE[frame.type]`; the id is the request's.
  conn.send({ ...reply, id: frame.id } as ServerFrame);
  after?.();
}

/**
 * Every request type's handler. The mapped type makes a missing handler, or a
 * handler answering with another frame than `REPLY_TYPE` pairs it with, a
 * compile error.
 */
const HANDLERS: { [T in RequestType]: RequestHandler<T> } = {
  register,
  login,
  authenticate,
  logout: async (ctx, conn) => {
    await ctx.accounts.logout(me(conn).tokenHash);
    return followedBy({ type: 'ok' }, () => conn.close(1000, 'logged out'));
  },
  sync,
  send: async (ctx, conn, frame) => {
    if (frame.ephemeral) {
      if (!conn.takeEphemeralToken()) throw new ServiceError('CONCLAVE_ERR_RATE_LIMITED');
      const { sentAt } = ctx.delivery.sendEphemeral(me(conn), frame);
      return { type: 'sent', conversationId: frame.conversationId, clientMsgId: frame.clientMsgId, seq: 0, sentAt };
    }
    const { seq, sentAt } = await ctx.delivery.send(me(conn), frame);
    return { type: 'sent', conversationId: frame.conversationId, clientMsgId: frame.clientMsgId, seq, sentAt };
  },
  join,
  leave: async (ctx, conn, frame) => {
    const room = await ctx.conversations.leave(me(conn).user, frame.conversationId);
    return followedBy({ type: 'ok' }, () => ctx.hub.notice({ kind: 'leave', conversationId: room.conversationId, user: ref(conn) }));
  },
  rooms: async (ctx, conn) => ({ type: 'rooms', rooms: await ctx.conversations.listRooms(me(conn).user.userId) }),
  who,
  open_dm: async (ctx, conn, frame) => {
    // Not followed yet: the log is routed to this device once it is in the DM's group.
    const { info } = await ctx.conversations.openDm(me(conn).user, frame.username);
    conn.know(info.conversationId);
    return { type: 'conversation', conversation: info };
  },
  invite: async (ctx, conn, frame) => {
    const { code, expiresAt } = await ctx.admin.createInvite({ kind: 'user', user: me(conn).user, address: conn.address }, frame.hours ?? 24);
    conn.log.info({ expiresAt }, 'invite created');
    return { type: 'invite', code, expiresAt };
  },
  admin: async (ctx, conn, frame) => {
    const result = await ctx.admin.run({ kind: 'user', user: me(conn).user, address: conn.address }, frame.command);
    // The action and target only: `add_user` may carry a password, notices carry text.
    conn.log.info({ action: frame.command.action, target: 'username' in frame.command ? frame.command.username : undefined }, 'admin command');
    return { type: 'admin', result };
  },
  ping: async () => ({ type: 'pong' }),
  publish_key_packages: publishKeyPackages,
  claim_key_packages: claimKeyPackages,
  devices: listDevices,
  group_info: groupInfo,
  publish_group_info: publishGroupInfo,
  create_group: createGroup,
  commit,
};

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
    limits: { maxFrameBytes: LIMITS.maxFrameBytes, maxBodyBytes: await ctx.settings.maxMessageBytes(), maxFileBytes: await ctx.settings.maxFileBytes() },
    registration: await ctx.accounts.registrationInfo(),
    noticeKey: ctx.noticeKey,
  });
}

async function register(ctx: HandlerContext, conn: Connection, frame: RequestFrame<'register'>): Promise<Answer<'register'>> {
  if (conn.phase === 'ready') throw new ServiceError('CONCLAVE_ERR_ALREADY_AUTHENTICATED');
  const user = await ctx.accounts.register({ ...frame, address: conn.address });
  conn.log.info({ user: user.username, role: user.role }, 'registered');
  const { principal, token } = await ctx.accounts.sessionFor(user.userId, frame.device);
  return startSession(ctx, conn, principal, token);
}

async function login(ctx: HandlerContext, conn: Connection, frame: RequestFrame<'login'>): Promise<Answer<'login'>> {
  if (conn.phase === 'ready') throw new ServiceError('CONCLAVE_ERR_ALREADY_AUTHENTICATED');
  const { principal, token } = await ctx.accounts.login({ ...frame, address: conn.address });
  return startSession(ctx, conn, principal, token);
}

async function authenticate(ctx: HandlerContext, conn: Connection, frame: RequestFrame<'authenticate'>): Promise<Answer<'authenticate'>> {
  if (conn.phase === 'ready') throw new ServiceError('CONCLAVE_ERR_ALREADY_AUTHENTICATED');
  // No token in the frame: the web client's HttpOnly cookie from the upgrade request.
  const token = frame.token ?? conn.cookieToken;
  if (token === undefined) throw new ServiceError('CONCLAVE_ERR_SESSION_INVALID');
  const principal = await ctx.accounts.authenticate(token, conn.address);
  return startSession(ctx, conn, principal, undefined);
}

/** Marks the connection ready and answers with the session; once sent, registers the connection for presence. */
async function startSession(
  ctx: HandlerContext,
  conn: Connection,
  principal: Principal,
  token: string | undefined,
): Promise<FollowedReply<'login'> | null> {
  if (conn.phase === 'closed') return null;
  // The per-session connection cap (setting max_connections_per_session); a fresh login's session holds none yet.
  if (!conn.claimSession(principal.tokenHash)) throw new ServiceError('CONCLAVE_ERR_TOO_MANY_CONNECTIONS', 'session connection cap');
  const conversations = await ctx.conversations.listFor(principal.user.userId);
  conn.principal = principal;
  conn.phase = 'ready';
  // Authenticated: frames up to LIMITS.maxFrameBytes (a Commit with its GroupInfo and Welcome), not the pre-auth bound.
  setMaxPayload(conn.ws, LIMITS.maxFrameBytes);
  for (const c of conversations) conn.know(c.info.conversationId);
  conn.log.info({ user: principal.user.username, device: principal.deviceId }, 'authenticated');
  const reply: ReplyBody<'login'> = {
    type: 'session',
    ...(token === undefined ? {} : { token }),
    expiresAt: principal.expiresAt,
    user: principal.user,
    deviceId: principal.deviceId,
    conversations: conversations.map((c) => c.info),
  };
  return followedBy(reply, () => ctx.hub.add(conn));
}

/**
 * Sends the device's pending Welcomes, then everything after each cursor of
 * the conversations whose group the device is in, then a `leave` notice for
 * each user still in one of its groups but no longer a member; `synced` when
 * caught up.
 */
async function sync(ctx: HandlerContext, conn: Connection, frame: RequestFrame<'sync'>): Promise<Answer<'sync'>> {
  const plan = await ctx.groups.syncPlan(me(conn), frame.cursors);
  for (const welcome of plan.welcomes) conn.send(welcome);
  // Rewind to what the client asked for: a client that saw a gap on this connection gets the lost entries again.
  for (const { conversationId, from } of plan.follow) conn.follow(conversationId, from, true);
  await Promise.all(plan.follow.map(({ conversationId }) => conn.catchUp(conversationId)));
  // Removals nobody was online to commit: the device removes those leaves as after a live notice.
  for (const { conversationId, user } of plan.departed) {
    conn.sendText(ctx.hub.signedNotice({ kind: 'departed', conversationId, user }), 'notice');
  }
  // After the log: a device that has caught up is at the epoch named, and can make the GroupInfo asked for.
  for (const wanted of plan.groupInfoWanted) conn.send(wanted);
  return { type: 'synced' };
}

async function join(ctx: HandlerContext, conn: Connection, frame: RequestFrame<'join'>): Promise<Answer<'join'>> {
  // Not followed yet: the log is routed to this device once it is in the room's group (external commit).
  const { info, added } = await ctx.conversations.joinRoom(me(conn).user, frame.room);
  conn.know(info.conversationId);
  const reply: ReplyBody<'join'> = { type: 'conversation', conversation: info };
  return added ? followedBy(reply, () => ctx.hub.notice({ kind: 'join', conversationId: info.conversationId, user: ref(conn) })) : reply;
}

async function who(ctx: HandlerContext, conn: Connection, frame: RequestFrame<'who'>): Promise<Answer<'who'>> {
  const online = await ctx.hub.online();
  if (frame.conversationId === undefined) return { type: 'who', online };
  const members = await ctx.conversations.membersWithNames(me(conn).user, frame.conversationId);
  const onlineIds = new Set<string>(online.map((u) => u.userId));
  return {
    type: 'who',
    online,
    conversation: {
      conversationId: frame.conversationId,
      members: members.map((m) => ({ userId: asUserId(m.userId), username: m.username, online: onlineIds.has(m.userId) })),
    },
  };
}

