import type { RequestFrame } from '@conclave/protocol';
import type { Principal } from '../accounts/service.js';
import { ServiceError } from '../errors.js';
import type { Connection } from './connection.js';
import type { Answer, HandlerContext } from './handler-types.js';

/**
 * Handlers of the end-to-end-encryption frames (device directory, KeyPackage
 * store, groups). Each validates nothing beyond the schema, calls one service
 * function and returns the reply `REPLY_TYPE` pairs with the request (the
 * `id` is filled in by `handlers.ts`); MLS objects are never logged.
 */

function me(conn: Connection): Principal {
  if (!conn.principal) throw new ServiceError('CONCLAVE_ERR_NOT_AUTHENTICATED');
  return conn.principal;
}

export async function publishKeyPackages(
  ctx: HandlerContext,
  conn: Connection,
  frame: RequestFrame<'publish_key_packages'>,
): Promise<Answer<'publish_key_packages'>> {
  const stock = await ctx.devices.publish(me(conn), frame);
  return { type: 'key_package_stock', ...stock };
}

export async function claimKeyPackages(
  ctx: HandlerContext,
  conn: Connection,
  frame: RequestFrame<'claim_key_packages'>,
): Promise<Answer<'claim_key_packages'>> {
  const { entries: devices, low } = await ctx.devices.claim(me(conn), frame.userIds);
  conn.log.info({ users: frame.userIds.length, devices: devices.length }, 'key packages claimed');
  // Devices running low are told on their connections to this node (one process today; a
  // device on another node tops up when it next connects).
  for (const { deviceId, count } of low) {
    for (const c of ctx.hub.connectionsOfDevice(deviceId)) c.send({ type: 'key_packages_low', count });
  }
  return { type: 'key_packages', devices };
}

export async function listDevices(ctx: HandlerContext, conn: Connection, frame: RequestFrame<'devices'>): Promise<Answer<'devices'>> {
  me(conn);
  const { username, devices } = await ctx.devices.list(frame.userId);
  return { type: 'devices', userId: frame.userId, username, devices };
}

export async function groupInfo(ctx: HandlerContext, conn: Connection, frame: RequestFrame<'group_info'>): Promise<Answer<'group_info'>> {
  const group = await ctx.groups.groupInfo(me(conn), frame.conversationId);
  return { type: 'group_info', conversationId: frame.conversationId, ...(group ? { group } : {}) };
}

export async function createGroup(ctx: HandlerContext, conn: Connection, frame: RequestFrame<'create_group'>): Promise<Answer<'create_group'>> {
  const { seq, epoch } = await ctx.groups.create(me(conn), frame);
  conn.log.info({ conversation: frame.conversationId, seq }, 'group created');
  return { type: 'committed', conversationId: frame.conversationId, seq, epoch };
}

export async function commit(ctx: HandlerContext, conn: Connection, frame: RequestFrame<'commit'>): Promise<Answer<'commit'>> {
  const { seq, epoch } = await ctx.groups.commit(me(conn), frame);
  conn.log.info(
    { conversation: frame.conversationId, seq, epoch, added: frame.added.length, removed: frame.removed.length },
    'commit accepted',
  );
  return { type: 'committed', conversationId: frame.conversationId, seq, epoch };
}

export async function publishGroupInfo(
  ctx: HandlerContext,
  conn: Connection,
  frame: RequestFrame<'publish_group_info'>,
): Promise<Answer<'publish_group_info'>> {
  await ctx.groups.publishGroupInfo(me(conn), frame);
  conn.log.info({ conversation: frame.conversationId, epoch: frame.epoch }, 'group info replaced');
  return { type: 'ok' };
}
