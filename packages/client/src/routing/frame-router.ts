import { assertNever, type FrameOf, type ServerFrame } from '@conclave/protocol';

/** Where each pushed server frame goes. Replies to requests are settled by the connection and need no route. */
export interface FrameRoutes {
  /** A log entry (message or Commit), live or from a catch-up. */
  message(frame: FrameOf<ServerFrame, 'message'>): void;
  /** A Welcome into a conversation's MLS group. */
  welcome(frame: FrameOf<ServerFrame, 'welcome'>): void;
  /** A conversation joined, opened, or pushed (someone added us). */
  conversation(frame: FrameOf<ServerFrame, 'conversation'>): void;
  /** A server notice (signed plaintext). */
  notice(frame: FrameOf<ServerFrame, 'notice'>): void;
  /** An error frame that answers no pending request. */
  error(frame: FrameOf<ServerFrame, 'error'>): void;
  /** Claims took this device's KeyPackages on the server low: upload more. */
  keyPackagesLow(frame: FrameOf<ServerFrame, 'key_packages_low'>): void;
  /** The server wants a fresh GroupInfo of a group this device is in. */
  groupInfoWanted(frame: FrameOf<ServerFrame, 'group_info_wanted'>): void;
}

/**
 * Dispatches one server frame (everything but `hello` and request errors,
 * in arrival order). Exhaustive: a new frame type is a compile error here
 * until it is routed or listed as a reply.
 */
export function routeFrame(frame: ServerFrame, routes: FrameRoutes): void {
  switch (frame.type) {
    case 'message':
      return routes.message(frame);
    case 'welcome':
      return routes.welcome(frame);
    case 'conversation':
      return routes.conversation(frame);
    case 'notice':
      return routes.notice(frame);
    case 'error':
      return routes.error(frame);
    case 'key_packages_low':
      return routes.keyPackagesLow(frame);
    case 'group_info_wanted':
      return routes.groupInfoWanted(frame);
    case 'hello':
    case 'session':
    case 'ok':
    case 'synced':
    case 'rooms':
    case 'who':
    case 'invite':
    case 'admin':
    case 'pong':
    case 'sent': // acked by the sender once the message is in the local history
    case 'key_package_stock':
    case 'key_packages':
    case 'devices':
    case 'group_info':
    case 'committed':
      return; // replies: the awaiting request handles them
    default:
      assertNever(frame);
  }
}
