import type { ClientFrame, FrameOf } from '@conclave/protocol';
import type { Principal } from '../accounts/service.js';
import { ServiceError } from '../errors.js';
import type { Connection } from './connection.js';
import type { HandlerContext } from './handlers.js';

/**
 * Handlers of the end-to-end-encryption frames (device directory, KeyPackage
 * store, groups). Each validates nothing beyond the schema, calls one service
 * function and replies; MLS objects are never logged.
 */

function me(conn: Connection): Principal {
  if (!conn.principal) throw new ServiceError('CONCLAVE_ERR_NOT_AUTHENTICATED');
  return conn.principal;
}

export async function publishKeyPackages(
  ctx: HandlerContext,
  conn: Connection,
  frame: FrameOf<ClientFrame, 'publish_key_packages'>,
): Promise<void> {
  const stock = await ctx.devices.publish(me(conn), frame);
  conn.send({ type: 'key_package_stock', id: frame.id, ...stock });
}

export async function claimKeyPackages(
  ctx: HandlerContext,
  conn: Connection,
  frame: FrameOf<ClientFrame, 'claim_key_packages'>,
): Promise<void> {
  const devices = await ctx.devices.claim(me(conn), frame.userIds);
  conn.log.info({ users: frame.userIds.length, devices: devices.length }, 'key packages claimed');
  conn.send({ type: 'key_packages', id: frame.id, devices });
}

export async function listDevices(ctx: HandlerContext, conn: Connection, frame: FrameOf<ClientFrame, 'devices'>): Promise<void> {
  me(conn);
  const { username, devices } = await ctx.devices.list(frame.userId);
  conn.send({ type: 'devices', id: frame.id, userId: frame.userId, username, devices });
}

export async function groupInfo(ctx: HandlerContext, conn: Connection, frame: FrameOf<ClientFrame, 'group_info'>): Promise<void> {
  const group = await ctx.groups.groupInfo(me(conn), frame.conversationId);
  conn.send({ type: 'group_info', id: frame.id, conversationId: frame.conversationId, ...(group ? { group } : {}) });
}

export async function createGroup(ctx: HandlerContext, conn: Connection, frame: FrameOf<ClientFrame, 'create_group'>): Promise<void> {
  const { seq, epoch } = await ctx.groups.create(me(conn), frame);
  conn.log.info({ conversation: frame.conversationId, seq }, 'group created');
  conn.send({ type: 'committed', id: frame.id, conversationId: frame.conversationId, seq, epoch });
}

export async function commit(ctx: HandlerContext, conn: Connection, frame: FrameOf<ClientFrame, 'commit'>): Promise<void> {
  const { seq, epoch } = await ctx.groups.commit(me(conn), frame);
  conn.log.info(
    { conversation: frame.conversationId, seq, epoch, added: frame.added.length, removed: frame.removed.length },
    'commit accepted',
  );
  conn.send({ type: 'committed', id: frame.id, conversationId: frame.conversationId, seq, epoch });
}
