import type { IncomingMessage } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { WebSocketServer, type WebSocket } from 'ws';
import { CLOSE_CODES, decodeClientFrame, LIMITS, WS_PATH } from '@conclave/protocol';
import type { Logger } from 'pino';
import { newId } from '../ids.js';
import type { Metrics } from '../metrics/metrics.js';
import { Connection } from './connection.js';
import { handleFrame, type HandlerContext } from './handlers.js';

/** Longest wait for in-flight frames at shutdown, ms. */
const DRAIN_MS = 5_000;

/** The WebSocket endpoint: accepts connections, bounds them, and feeds validated frames to the handlers. */
export interface Gateway {
  /** Stops accepting, tells every connection why, and closes them with `code`. */
  close(code: number, reason: string): Promise<void>;
  /** Number of open WebSockets. */
  size(): number;
}

/**
 * Attaches the WebSocket endpoint at `WS_PATH` to the HTTPS server.
 * Frames over `LIMITS.maxFrameBytes` close with 1009 (ws `maxPayload`); binary
 * frames, invalid JSON and schema violations get a typed error frame; a peer
 * that misses a heartbeat is terminated. With `metrics`, counts open
 * connections and frames received by type (`invalid` for those that do not decode).
 */
export function attachGateway(
  server: HttpsServer,
  ctx: HandlerContext,
  log: Logger,
  /** The web session cookie's token of an upgrade request (see `sessionCookieToken`), for `authenticate` without a token. */
  cookieToken: (req: IncomingMessage) => string | undefined = () => undefined,
  metrics?: Metrics,
): Gateway {
  const wss = new WebSocketServer({ server, path: WS_PATH, maxPayload: LIMITS.maxFrameBytes, perMessageDeflate: false });
  const alive = new WeakMap<WebSocket, boolean>();
  const connections = new Set<Connection>();
  /** Set by `close`: no new connection or frame is taken while the ones already read finish. */
  let draining = false;

  wss.on('connection', (ws, req) => {
    if (draining) {
      ws.close(CLOSE_CODES.goingAway, 'server shutting down');
      return;
    }
    const address = req.socket.remoteAddress ?? 'unknown';
    const id = newId().slice(0, 8);
    const conn = new Connection(id, ws, address, log.child({ conn: id }), ctx.delivery, metrics);
    metrics?.connectionOpened();
    conn.cookieToken = cookieToken(req);
    connections.add(conn);
    conn.log.info({ address }, 'connection opened');
    alive.set(ws, true);
    ws.on('pong', () => alive.set(ws, true));
    const authTimer = setTimeout(() => {
      if (conn.phase === 'hello' || conn.phase === 'unauthenticated') conn.fail('CONCLAVE_ERR_AUTH_TIMEOUT', 'no credentials in time');
    }, LIMITS.authTimeoutMs);
    authTimer.unref();

    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        metrics?.frameReceived('invalid');
        if (conn.admit()) conn.error('CONCLAVE_ERR_BAD_FRAME', undefined, 'binary frame');
        return;
      }
      // Decoding first lets a refusal name the request it refuses; the payload is bounded by maxPayload.
      // `binaryType` is ws's default 'nodebuffer', so a message (even a fragmented one) arrives as one Buffer.
      const decoded = decodeClientFrame((data as Buffer).toString('utf8'));
      metrics?.frameReceived(decoded.ok ? decoded.frame.type : 'invalid');
      if (!conn.admit(decoded.ok ? ('id' in decoded.frame ? decoded.frame.id : undefined) : decoded.id)) return;
      if (!decoded.ok) return conn.error(decoded.code, decoded.id, decoded.detail);
      // Unanswered, a request is retried by the client after the restart (sends are idempotent).
      if (draining) return conn.error('CONCLAVE_ERR_SHUTTING_DOWN', 'id' in decoded.frame ? decoded.frame.id : undefined);
      // A ping is answered at once, not behind queued frames: a long sync must not look like a dead network
      // to the client's heartbeat (LIMITS.clientPongTimeoutMs).
      if (decoded.frame.type === 'ping') return void handleFrame(ctx, conn, decoded.frame);
      conn.enqueue(() => handleFrame(ctx, conn, decoded.frame));
    });
    ws.on('error', (err) => {
      const code = (err as { code?: string }).code;
      conn.log.info({ code }, 'socket error');
    });
    ws.on('close', (code) => {
      metrics?.connectionClosed();
      clearTimeout(authTimer);
      connections.delete(conn);
      conn.phase = 'closed';
      if (conn.principal) void ctx.accounts.seen(conn.principal.deviceId);
      ctx.hub.remove(conn);
      conn.log.info({ code, user: conn.principal?.user.username }, 'connection closed');
    });
  });

  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.get(ws)) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, LIMITS.heartbeatIntervalMs);
  heartbeat.unref();

  return {
    size: () => wss.clients.size,
    async close(code, reason) {
      clearInterval(heartbeat);
      draining = true;
      // Frames already read finish first: an append acknowledged is an append stored (bounded wait).
      await Promise.race([Promise.all([...connections].map((c) => c.idle())), new Promise((r) => setTimeout(r, DRAIN_MS))]);
      for (const ws of wss.clients) ws.close(code, reason);
      const deadline = Date.now() + 3_000;
      while (wss.clients.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
