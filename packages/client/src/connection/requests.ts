import type { ClientFrame, ClientFrameType, FrameOf, ServerFrame } from '@conclave/protocol';

/** Client frame types that are requests (carry an `id` and get one reply). */
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
  admin: 'admin',
} as const satisfies Record<RequestType, ServerFrame['type']>;

/** A request frame as the caller writes it: the connection fills in `id`. */
export type RequestInput<T extends RequestType> = Omit<FrameOf<ClientFrame, T>, 'id'> & { type: T };

/** The reply frame of request type `T`. */
export type ReplyOf<T extends RequestType> = FrameOf<ServerFrame, (typeof REPLY_TYPE)[T]>;
