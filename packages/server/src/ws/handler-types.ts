import type { ReplyBody, RequestFrame, RequestType } from '@conclave/protocol';
import type { AccountService } from '../accounts/service.js';
import type { AdminService } from '../admin/service.js';
import type { ConversationService } from '../conversations/service.js';
import type { DeliveryService } from '../delivery/service.js';
import type { DeviceService } from '../devices/service.js';
import type { GroupService } from '../groups/service.js';
import type { TrustedProxies } from '../http/client-address.js';
import type { Hub } from '../presence/hub.js';
import type { SettingsService } from '../settings/service.js';
import type { Connection } from './connection.js';

// The types every frame handler file shares, apart from handlers.ts so that
// handlers-e2ee.ts (imported by handlers.ts) needs no import back: no cycle.

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
  /** Reverse proxies whose `X-Forwarded-For` names the client (`--trust-proxy`); none when absent. */
  trustedProxies?: TrustedProxies;
}

/** A reply, and what must happen only once it has been sent (a notice to others, closing the socket). */
export interface FollowedReply<T extends RequestType> {
  reply: ReplyBody<T>;
  after: () => void;
}

/** What a request handler answers: its reply frame (typed by `REPLY_TYPE`), optionally followed by an effect; `null` when the connection closed meanwhile. */
export type Answer<T extends RequestType> = ReplyBody<T> | FollowedReply<T> | null;

/**
 * A request handler: validates what the schema cannot, calls one service
 * function and returns the reply. Refusals are thrown as `ServiceError`.
 */
export type RequestHandler<T extends RequestType> = (ctx: HandlerContext, conn: Connection, frame: RequestFrame<T>) => Promise<Answer<T>>;
