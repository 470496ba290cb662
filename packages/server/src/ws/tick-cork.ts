import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

/**
 * Holds a WebSocket's writes of the current tick in its socket's buffer and
 * flushes them together, one `writev` instead of one per frame: a fan-out
 * burst (a group commit's messages, published together) otherwise costs each
 * socket one syscall per frame (issue 12's profile: `writev` 21.6 % of the
 * server thread at 300 members / 800 msg/s).
 *
 * It uses ws's underlying socket (`_socket`, not public API: ws 8 sets it on
 * every open server-side WebSocket); where it is absent, writes simply go
 * out one by one. ws's own per-frame `cork()`/`uncork()` nest inside this one
 * (Node counts corks), and the buffered bytes still count in
 * `ws.bufferedAmount`, so the slow-reader limit sees them.
 *
 * The flush runs on `process.nextTick`: after every microtask of the current
 * turn (all of one batch's publishes), before any I/O.
 */
export class TickCork {
  private corked = false;

  constructor(private readonly ws: WebSocket) {}

  /** Corks the socket until the end of this tick, once per tick. */
  hold(): void {
    if (this.corked) return;
    const socket = (this.ws as unknown as { _socket?: Duplex | null })._socket;
    if (socket === undefined || socket === null || socket.destroyed) return;
    this.corked = true;
    socket.cork();
    process.nextTick(() => {
      this.corked = false;
      socket.uncork();
    });
  }
}
