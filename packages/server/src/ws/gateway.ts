import type { IncomingMessage } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { WebSocketServer, type WebSocket } from 'ws';
import { CLOSE_CODES, encodeFrame, errorMessage, LIMITS, peekClientFrame, peekRequestId, validateClientFrame, WS_PATH } from '@conclave/protocol';
import type { Logger } from 'pino';
import { clientAddress } from '../http/client-address.js';
import { newId } from '../ids.js';
import type { Metrics } from '../metrics/metrics.js';
import { Connection } from './connection.js';
import { handleFrame, type HandlerContext } from './handlers.js';
import { ConnectionCounter, phaseRefusal } from './admission.js';
import { LogLimiter } from './log-limiter.js';
import { setMaxPayload } from './payload-limit.js';

/** Longest wait for in-flight frames at shutdown, ms. */
const DRAIN_MS = 5_000;

/** How often the connection caps are re-read from the settings, ms (as the settings cache). */
const CAPS_REFRESH_MS = 1_000;

/** Bytes of a frame's start and end `peekRequestId` reads for a frame refused before parsing. */
const ID_PEEK_BYTES = 192;

/** The WebSocket endpoint: accepts connections, bounds them, and feeds validated frames to the handlers. */
export interface Gateway {
  /** Stops accepting, tells every connection why, and closes them with `code`. */
  close(code: number, reason: string): Promise<void>;
  /** Number of open WebSockets. */
  size(): number;
}

/**
 * Attaches the WebSocket endpoint at `WS_PATH` to the HTTPS server.
 *
 * A new connection over a cap (settings `max_connections_per_address`,
 * `max_preauth_connections_per_address`; `max_connections_per_session` at
 * login) gets `CONCLAVE_ERR_TOO_MANY_CONNECTIONS` and close 1013.
 *
 * Each frame, cheapest check first, so an unauthenticated peer cannot make the
 * server do work that grows with what it sends:
 * 1. over `LIMITS.maxFrameBytes`: close 1009 (ws `maxPayload`); before
 *    authentication, over `LIMITS.maxPreAuthFrameBytes`: close 1009 as soon as
 *    the frame header says so, nothing of it buffered (`setMaxPayload`; the
 *    size of each whole message is checked again below, in case ws lacks it);
 * 2. the per-connection rate limit (`Connection.admit`), before `JSON.parse`;
 * 3. JSON, a known type and the shape bounds (`peekClientFrame`);
 * 4. the type against the phase: before login only hello, register, login and
 *    authenticate (`phaseRefusal`; past `LIMITS.maxPreAuthRefusals` such frames, close 1008);
 * 5. the schema (`validateClientFrame`).
 * Refusals are typed error frames, counted in metrics, and logged per
 * connection as a summary, not one line each (`Connection.noteRefusal`). A
 * peer that misses a heartbeat is terminated. With `metrics`, counts open
 * connections and frames received by type (`invalid` for those that do not
 * decode, `unparsed` for those refused before parsing).
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
  const lines = new LogLimiter(() => metrics?.logLineSuppressed());
  const caps = new ConnectionCounter(() => ctx.settings.connectionCaps());
  void caps.refresh();
  const capsTimer = setInterval(() => void caps.refresh(), CAPS_REFRESH_MS);
  capsTimer.unref();

  wss.on('connection', (ws, req) => {
    if (draining) {
      ws.close(CLOSE_CODES.goingAway, 'server shutting down');
      return;
    }
    const address = clientAddress(req, ctx.trustedProxies);
    const id = newId().slice(0, 8);
    const admitted = caps.open(address);
    if ('refused' in admitted) {
      metrics?.connectionRefused(admitted.refused);
      lines.write(log, 'warn', { conn: id, address, cap: admitted.refused }, 'connection refused');
      ws.send(encodeFrame({ type: 'error', code: 'CONCLAVE_ERR_TOO_MANY_CONNECTIONS', message: errorMessage('CONCLAVE_ERR_TOO_MANY_CONNECTIONS') }));
      ws.close(CLOSE_CODES.tryAgainLater, errorMessage('CONCLAVE_ERR_TOO_MANY_CONNECTIONS').slice(0, 120));
      setTimeout(() => ws.terminate(), 2_000).unref();
      return;
    }
    const { slot } = admitted;
    setMaxPayload(ws, LIMITS.maxPreAuthFrameBytes);
    const conn = new Connection(id, ws, address, log.child({ conn: id }), ctx.delivery, metrics, lines);
    conn.claimSession = (sessionKey) => {
      const refused = slot.authenticate(sessionKey);
      if (refused !== undefined) metrics?.connectionRefused(refused);
      return refused === undefined;
    };
    metrics?.connectionOpened();
    conn.cookieToken = cookieToken(req);
    connections.add(conn);
    conn.logLine('info', { address }, 'connection opened');
    alive.set(ws, true);
    ws.on('pong', () => alive.set(ws, true));
    const authTimer = setTimeout(() => {
      if (conn.phase === 'hello' || conn.phase === 'unauthenticated') conn.fail('CONCLAVE_ERR_AUTH_TIMEOUT', 'no credentials in time');
    }, LIMITS.authTimeoutMs);
    authTimer.unref();

    ws.on('message', (data, isBinary) => {
      if (conn.phase === 'closed') return;
      // `binaryType` is ws's default 'nodebuffer', so a message (even a fragmented one) arrives as one Buffer.
      const bytes = data as Buffer;
      if (conn.phase !== 'ready' && bytes.length > LIMITS.maxPreAuthFrameBytes) {
        metrics?.frameReceived('unparsed');
        conn.noteRefusal('CONCLAVE_ERR_FRAME_TOO_LARGE', `${bytes.length} bytes before authentication`);
        return conn.fail('CONCLAVE_ERR_FRAME_TOO_LARGE', `${bytes.length} bytes before authentication`);
      }
      // The rate limit comes before any parsing; a refused frame's id is read from its ends only.
      const admitted = conn.admit(
        () => (isBinary ? undefined : peekRequestId(bytes.subarray(0, ID_PEEK_BYTES).toString('utf8'), bytes.subarray(-ID_PEEK_BYTES).toString('utf8'))),
        bytes.length,
      );
      if (!admitted) return void metrics?.frameReceived('unparsed');
      if (isBinary) {
        metrics?.frameReceived('invalid');
        return conn.error('CONCLAVE_ERR_BAD_FRAME', undefined, 'binary frame');
      }
      const peeked = peekClientFrame(bytes.toString('utf8'));
      if (!peeked.ok) {
        metrics?.frameReceived('invalid');
        return conn.error(peeked.code, peeked.id, peeked.detail);
      }
      // Refused by type before the schema's work: before login, only the frames that log in.
      const refusal = phaseRefusal(conn.phase, peeked.type);
      if (refusal !== undefined) {
        metrics?.frameReceived(peeked.type);
        return conn.refusePreAuth(refusal, peeked.id, peeked.type);
      }
      const decoded = validateClientFrame(peeked);
      metrics?.frameReceived(decoded.ok ? decoded.frame.type : 'invalid');
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
      if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        // Refused by its header (`setMaxPayload`): ws closes with 1009; counted and summed up like any refusal.
        metrics?.frameReceived('unparsed');
        conn.noteRefusal('CONCLAVE_ERR_FRAME_TOO_LARGE', conn.phase === 'ready' ? 'over the frame limit' : 'before authentication');
        return;
      }
      conn.logLine('info', { code }, 'socket error');
    });
    ws.on('close', (code) => {
      slot.release();
      metrics?.connectionClosed();
      clearTimeout(authTimer);
      connections.delete(conn);
      conn.phase = 'closed';
      if (conn.principal) void ctx.accounts.seen(conn.principal.deviceId);
      ctx.hub.remove(conn);
      const refused = conn.refusalSummary();
      conn.logLine('info', { code, user: conn.principal?.user.username, ...(refused === undefined ? {} : { refused }) }, 'connection closed');
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
      clearInterval(capsTimer);
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
