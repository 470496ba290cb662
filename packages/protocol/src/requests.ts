import type { ClientFrame, ClientFrameType, FrameOf, ServerFrame } from './frames.js';

/**
 * The request → reply pairing of the wire protocol: which server frame
 * answers each client request (the same `id`), an `error` frame otherwise.
 * The client matches replies with it; the server's handlers are typed
 * against it, so a handler answering with the wrong frame does not compile.
 */

/** Client frame types that are requests (carry an `id` and get exactly one reply). `hello` is not one. */
export type RequestType = Exclude<ClientFrameType, 'hello'>;

/** The reply frame type the server answers each request with (an `error` frame otherwise). */
export const REPLY_TYPE = {
  register: 'session',
  login: 'session',
  authenticate: 'session',
  logout: 'ok',
  sync: 'synced',
  send: 'sent',
  join: 'conversation',
  leave: 'ok',
  rooms: 'rooms',
  who: 'who',
  open_dm: 'conversation',
  invite: 'invite',
  ping: 'pong',
  publish_key_packages: 'key_package_stock',
  claim_key_packages: 'key_packages',
  devices: 'devices',
  group_info: 'group_info',
  create_group: 'committed',
  commit: 'committed',
  publish_group_info: 'ok',
  admin: 'admin',
} as const satisfies Record<RequestType, ServerFrame['type']>;

/** The request frame of type `T`, as it travels (with its `id`). */
export type RequestFrame<T extends RequestType> = FrameOf<ClientFrame, T>;

/** A request frame as a client writes it: the connection fills in `id`. */
export type RequestInput<T extends RequestType> = Omit<RequestFrame<T>, 'id'> & { type: T };

/** The reply frame type of request type `T`. */
export type ReplyType<T extends RequestType> = (typeof REPLY_TYPE)[T];

/** The reply frame of request type `T`. */
export type ReplyOf<T extends RequestType> = FrameOf<ServerFrame, ReplyType<T>>;

/** A reply as a server handler writes it: the frame without `id` (the request's is filled in). */
export type ReplyBody<T extends RequestType> = Omit<ReplyOf<T>, 'id'> & { type: ReplyType<T> };

