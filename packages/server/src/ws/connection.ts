import { WebSocket } from 'ws';
import {
  encodeFrame,
  errorCloseCode,
  errorMessage,
  LIMITS,
  type ErrorCode,
  type ServerFrame,
} from '@conclave/protocol';
import type { Logger } from 'pino';
import type { Principal } from '../accounts/service.js';
import type { DeliveryService } from '../delivery/service.js';
import { messageFrame } from '../delivery/service.js';
import type { Metrics, SentFrameLabel } from '../metrics/metrics.js';
import { LogLimiter } from './log-limiter.js';
import { FrameWriter } from './frame-writer.js';

/** How long a connection closed before it logged in may take to answer the close handshake, ms (an authenticated one: 2 s). */
const UNAUTHENTICATED_CLOSE_MS = 500;

/** How long reading pauses when an unauthenticated connection exceeds its frame rate, ms. */
const PRE_AUTH_PAUSE_MS = 1_000;

/** Life of one WebSocket: waiting for `hello`, then for credentials, then ready, then closed. */
export type ConnectionPhase = 'hello' | 'unauthenticated' | 'ready' | 'closed';

/**
 * One client WebSocket: its phase, principal, flood bucket, serial frame queue
 * and per-conversation delivery cursors (for the conversations whose MLS group
 * the connection's device is in).
 *
 * Delivery invariant: for every conversation in `cursors`, the connection has
 * been sent exactly the messages with seq ≤ cursor, in order. A live message
 * that is not the next one triggers a catch-up read from the log instead.
 */
export class Connection {
  phase: ConnectionPhase = 'hello';
  principal: Principal | undefined;
  /** The session token of a same-origin upgrade's cookie (web client), used by `authenticate` without a token. Secret. */
  cookieToken: string | undefined;
  private readonly cursors = new Map<string, number>();
  /** Conversations this connection has been told about (session, replies, pushes). */
  private readonly known = new Set<string>();
  /** In-flight catch-up reads by conversation. */
  private readonly catchingUp = new Map<string, Promise<void>>();
  /** Conversations offered a live message while a catch-up read was in flight. */
  private readonly offeredDuringCatchUp = new Set<string>();
  private tokens: number = LIMITS.frameBurst;
  private lastRefill = Date.now();
  /** The ephemeral-message bucket (`LIMITS.ephemeralPerSecond`, burst `LIMITS.ephemeralBurst`). */
  private ephemeralTokens: number = LIMITS.ephemeralBurst;
  private ephemeralRefill = Date.now();
  private rejectedInRow = 0;
  private lastRateNotice = 0;
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;
  /** Writes frames in order: a tick's small ones in one `writev`, a large one in pieces. */
  private readonly writer: FrameWriter;
  /** Reading is paused because `queued` reached the burst (see `enqueue`). */
  private backpressured = false;
  /** Refused frames by code since the last refusal line written (see `refused`). */
  private refusals = new Map<ErrorCode, number>();
  private refusalsTotal = 0;
  private lastRefusalLine = 0;
  /** Frames of a type not allowed before authentication received so far (`refusePreAuth`). */
  private preAuthRefusals = 0;
  /**
   * Counts this connection on a session (the gateway's per-session cap);
   * returns false when the session already holds as many as allowed.
   */
  claimSession: (sessionKey: string) => boolean = () => true;

  constructor(
    readonly id: string,
    readonly ws: WebSocket,
    readonly address: string,
    readonly log: Logger,
    private readonly delivery: DeliveryService,
    /** Counts frames out, errors by code, login failures and live delivery latency. */
    private readonly metrics?: Metrics,
    /** The server-wide bound on connection log lines (one per connection when not shared). */
    private readonly lines: LogLimiter = new LogLimiter(),
  ) {
    this.writer = new FrameWriter(ws);
  }

  /**
   * Writes a connection log line (opened, refusals, closing) through the
   * server-wide log line limit (`LogLimiter`): dropped and counted when
   * connections log faster than it allows.
   */
  logLine(level: 'info' | 'warn', fields: Record<string, unknown>, msg: string): void {
    this.lines.write(this.log, level, fields, msg);
  }

  /**
   * Records a refused frame: counted in `conclave_frames_refused_total`, and
   * logged without one line per frame — the connection's first refusal is
   * logged with its detail, later ones as a per-code count at most every
   * `LIMITS.refusalLogIntervalMs` and at close (`refusalSummary`).
   */
  noteRefusal(code: ErrorCode, detail: string | undefined): void {
    this.metrics?.frameRefused(code);
    this.refusalsTotal += 1;
    const now = Date.now();
    if (this.refusalsTotal === 1) {
      this.lastRefusalLine = now;
      this.logLine('info', { code, detail }, 'request refused');
      return;
    }
    this.refusals.set(code, (this.refusals.get(code) ?? 0) + 1);
    if (now - this.lastRefusalLine >= LIMITS.refusalLogIntervalMs) {
      this.lastRefusalLine = now;
      this.logLine('info', { refused: this.refusalSummary() }, 'requests refused');
    }
  }

  /**
   * Refused frames by code not yet logged (and forgets them), or undefined
   * when none: the gateway adds it to the connection's closing line.
   */
  refusalSummary(): Record<string, number> | undefined {
    if (this.refusals.size === 0) return undefined;
    const summary = Object.fromEntries(this.refusals);
    this.refusals = new Map();
    return summary;
  }

  /**
   * Refuses a frame whose type is not allowed in this phase (before `hello`,
   * before login): answered with `code` the first `LIMITS.maxPreAuthRefusals`
   * times, then the connection is closed (1008) — a client that follows the
   * protocol never sends one.
   */
  refusePreAuth(code: ErrorCode, id: string | undefined, type: string): void {
    this.preAuthRefusals += 1;
    if (this.preAuthRefusals > LIMITS.maxPreAuthRefusals) {
      this.noteRefusal(code, `${type} before authentication, repeated`);
      return this.fail(code, `${type} before authentication, repeated`);
    }
    this.error(code, id, `${type} before authentication`);
  }

  /**
   * Sends a pre-encoded frame — its JSON text, or that text already UTF-8
   * encoded (`Buffer`, shared by every recipient of a fan-out: no copy per
   * socket) — as a WebSocket text message; drops the connection when it
   * cannot keep up.
   * @param type the encoded frame's `type` (the `type` label of the frames-sent counter)
   * @returns true when the frame was written to the socket
   */
  sendText(text: string | Buffer, type: SentFrameLabel): boolean {
    if (this.ws.readyState !== WebSocket.OPEN) return false;
    const buffered = this.ws.bufferedAmount + this.writer.pendingBytes;
    if (buffered > LIMITS.maxBufferedBytes) {
      this.fail('CONCLAVE_ERR_SLOW_READER', `buffered ${buffered} bytes`);
      return false;
    }
    this.writer.write(text);
    this.metrics?.frameSent(type);
    return true;
  }

  send(frame: ServerFrame): void {
    this.sendText(encodeFrame(frame), frame.type);
  }

  /**
   * Sends an error frame (with the request id when there is one); fatal codes also close.
   * @param message what the user is shown: the catalogue's by default
   */
  error(code: ErrorCode, id?: string, detail?: string, message: string = errorMessage(code)): void {
    this.noteRefusal(code, detail);
    this.metrics?.errorSent(code);
    this.send({ type: 'error', ...(id === undefined ? {} : { id }), code, message });
    const close = errorCloseCode(code);
    if (close !== undefined) this.close(close, errorMessage(code));
  }

  /** Sends a fatal error and closes with its code. */
  fail(code: ErrorCode, detail: string): void {
    if (this.phase === 'closed') return;
    this.logLine('warn', { code, detail }, 'closing connection');
    // Not in the middle of a fragmented frame: a data frame may not interleave with its pieces (RFC 6455 §5.4).
    if (this.ws.readyState === WebSocket.OPEN && this.ws.bufferedAmount <= LIMITS.maxBufferedBytes && !this.writer.streaming) {
      this.ws.send(encodeFrame({ type: 'error', code, message: errorMessage(code) }));
      this.metrics?.frameSent('error');
      this.metrics?.errorSent(code);
    }
    this.close(errorCloseCode(code) ?? 1008, errorMessage(code));
  }

  close(code: number, reason: string): void {
    if (this.phase === 'closed') return;
    const authenticated = this.principal !== undefined;
    this.phase = 'closed';
    this.ws.close(code, reason.slice(0, 120));
    // Nothing more is read from a peer closed before it logged in (it may be pushing large frames
    // at us): the close frame is written, the socket cut off soon after.
    if (!authenticated) this.ws.pause();
    // A peer that never answers the close handshake is cut off.
    setTimeout(() => this.ws.terminate(), authenticated ? 2_000 : UNAUTHENTICATED_CLOSE_MS).unref();
  }

  /**
   * Takes a frame's tokens from the flood bucket (LIMITS.framesPerSecond
   * sustained, LIMITS.frameBurst burst), before the frame is parsed: one per
   * `LIMITS.bytesPerFrameToken` bytes or part of it (`bytes`: the frame's
   * length), so a connection's sustained intake is bounded in bytes as well as
   * in frames. Returns false when
   * the frame must be refused: it is answered with CONCLAVE_ERR_RATE_LIMITED,
   * carrying the id `requestId` reads cheaply from the unparsed text (see
   * `peekRequestId`), or — without one — at most once a second; closes the
   * connection after LIMITS.maxRejectedFrames refusals in a row (before login:
   * in all). Every refusal
   * is counted (`conclave_frames_refused_total`), none is logged on its own.
   * Only the sender's own rate counts once logged in: frames waiting in the
   * connection's queue because the server is busy are held back by pausing
   * the socket (`enqueue`), never refused as a flood.
   */
  admit(requestId: () => string | undefined = () => undefined, bytes = 0): boolean {
    const now = Date.now();
    this.tokens = Math.min(LIMITS.frameBurst, this.tokens + ((now - this.lastRefill) / 1000) * LIMITS.framesPerSecond);
    this.lastRefill = now;
    if (this.tokens >= 1 && (this.phase === 'ready' || this.queued < LIMITS.frameBurst)) {
      // A large frame (a big room's Commit) is admitted whole and paid for by its size: the bucket may go
      // below zero, and the connection's next frames wait until it has refilled.
      this.tokens -= Math.max(1, Math.ceil(bytes / LIMITS.bytesPerFrameToken));
      // Before login the count is not reset: a connection that has not logged in has no reason to be refused often.
      if (this.phase === 'ready') this.rejectedInRow = 0;
      return true;
    }
    this.rejectedInRow += 1;
    if (this.rejectedInRow >= LIMITS.maxRejectedFrames) {
      this.noteRefusal('CONCLAVE_ERR_FLOOD', 'too many frames');
      this.fail('CONCLAVE_ERR_FLOOD', 'too many frames');
      return false;
    }
    this.noteRefusal('CONCLAVE_ERR_RATE_LIMITED', undefined);
    if (this.phase !== 'ready') this.pauseReading();
    const id = requestId();
    if (id !== undefined || now - this.lastRateNotice > 1000) {
      // A refused request is answered (1:1, and bounded by the flood close) so its sender can retry it.
      this.lastRateNotice = now;
      this.metrics?.errorSent('CONCLAVE_ERR_RATE_LIMITED');
      this.send({
        type: 'error',
        ...(id === undefined ? {} : { id }),
        code: 'CONCLAVE_ERR_RATE_LIMITED',
        message: errorMessage('CONCLAVE_ERR_RATE_LIMITED'),
      });
    }
    return false;
  }

  /**
   * Stops reading from an unauthenticated peer over its frame rate for
   * `PRE_AUTH_PAUSE_MS` (TCP backpressure then holds its frames on its side):
   * frames already read are still refused one by one, but the server reads no
   * more than one socket read's worth per pause however fast the peer sends.
   */
  private pauseReading(): void {
    if (this.ws.isPaused) return;
    this.ws.pause();
    setTimeout(() => {
      if (this.phase !== 'closed') this.ws.resume();
    }, PRE_AUTH_PAUSE_MS).unref();
  }

  /** Runs `task` after every earlier frame of this connection has been handled (per-connection order). */
  enqueue(task: () => Promise<void>): void {
    this.queued += 1;
    // A busy server holds a logged-in sender back with TCP backpressure (its frames wait on its side).
    if (this.phase === 'ready' && this.queued >= LIMITS.frameBurst && !this.ws.isPaused) {
      this.backpressured = true;
      this.ws.pause();
    }
    this.queue = this.queue.then(task).finally(() => {
      this.queued -= 1;
      if (this.backpressured && this.queued <= LIMITS.frameBurst / 2) {
        this.backpressured = false;
        if (this.phase !== 'closed') this.ws.resume();
      }
    });
  }

  /** Resolves when every frame queued so far has been handled. */
  idle(): Promise<void> {
    return this.queue;
  }

  /**
   * Starts delivering a conversation to this connection after `afterSeq`,
   * catching up from the log. Called only once the connection's device is in
   * the conversation's MLS group; a cursor already past `afterSeq` stays,
   * unless `rewind`: the client asked (`sync`) for everything after
   * `afterSeq`, e.g. because it saw a gap, so what this connection already
   * sent past it is sent again (the client drops what it already applied).
   */
  follow(conversationId: string, afterSeq: number, rewind = false): void {
    const current = this.cursors.get(conversationId);
    if (current !== undefined && (rewind ? current === afterSeq : current >= afterSeq)) return;
    this.cursors.set(conversationId, afterSeq);
    void this.catchUp(conversationId);
  }

  /** Stops delivering a conversation (left or removed). */
  unfollow(conversationId: string): void {
    this.cursors.delete(conversationId);
  }

  /** Records that the client was told about a conversation (so it is not announced twice). */
  know(conversationId: string): void {
    this.known.add(conversationId);
  }

  /** Forgets a conversation the user left or was removed from. */
  forget(conversationId: string): void {
    this.known.delete(conversationId);
  }

  /** True when the client was told about the conversation. */
  knows(conversationId: string): boolean {
    return this.known.has(conversationId);
  }

  /**
   * Offers a live message (encoded once for all recipients).
   * @param sentAt when the server accepted it (ms since the Unix epoch), for the delivery latency histogram
   */
  deliver(conversationId: string, seq: number, frame: string | Buffer, sentAt?: number): void {
    const cursor = this.cursors.get(conversationId);
    if (cursor === undefined || seq <= cursor) return;
    if (seq === cursor + 1 && !this.catchingUp.has(conversationId)) {
      this.cursors.set(conversationId, seq);
      if (this.sendText(frame, 'message') && sentAt !== undefined) this.metrics?.messageDelivered(sentAt);
      return;
    }
    this.offeredDuringCatchUp.add(conversationId);
    void this.catchUp(conversationId);
  }

  /**
   * Offers an ephemeral (unlogged) message: sent only when this connection
   * follows the conversation and is not catching up (a device behind the log
   * could not decrypt it anyway); otherwise dropped, as ephemeral ones may be.
   */
  deliverEphemeral(conversationId: string, frame: string | Buffer): void {
    if (!this.cursors.has(conversationId) || this.catchingUp.has(conversationId)) return;
    this.sendText(frame, 'message');
  }

  /**
   * Takes one token of the ephemeral bucket (`LIMITS.ephemeralPerSecond`
   * sustained, `LIMITS.ephemeralBurst` at once); false when it is empty.
   */
  takeEphemeralToken(): boolean {
    const now = Date.now();
    this.ephemeralTokens = Math.min(LIMITS.ephemeralBurst, this.ephemeralTokens + ((now - this.ephemeralRefill) / 1000) * LIMITS.ephemeralPerSecond);
    this.ephemeralRefill = now;
    if (this.ephemeralTokens < 1) return false;
    this.ephemeralTokens -= 1;
    return true;
  }

  /**
   * Sends everything after the cursor from the log, page by page, then returns
   * to live delivery. Resolves when the conversation is caught up (joining a
   * catch-up already in flight).
   */
  catchUp(conversationId: string): Promise<void> {
    const inFlight = this.catchingUp.get(conversationId);
    if (inFlight) return inFlight;
    let settle!: () => void;
    const run = new Promise<void>((resolve) => (settle = resolve));
    this.catchingUp.set(conversationId, run);
    void this.runCatchUp(conversationId, settle);
    return run;
  }

  /** Catches up every conversation this connection follows (the node may have missed live messages). */
  catchUpAll(): void {
    for (const conversationId of this.cursors.keys()) {
      this.offeredDuringCatchUp.add(conversationId);
      void this.catchUp(conversationId);
    }
  }

  /** The catch-up loop; leaves `catchingUp` in the same step that finds the log exhausted. */
  private async runCatchUp(conversationId: string, settle: () => void): Promise<void> {
    try {
      for (;;) {
        const cursor = this.cursors.get(conversationId);
        if (cursor === undefined || this.phase === 'closed') return;
        this.offeredDuringCatchUp.delete(conversationId);
        const page = await this.delivery.readAfter(conversationId, cursor, LIMITS.syncPageSize);
        if (this.cursors.get(conversationId) !== cursor) continue;
        // An empty page ends the catch-up only if nothing was published while it was read.
        if (page.length === 0 && !this.offeredDuringCatchUp.has(conversationId)) return;
        for (const m of page) {
          this.cursors.set(conversationId, m.seq);
          this.sendText(encodeFrame(messageFrame(m)), 'message');
        }
        await this.drained();
      }
    } catch (err) {
      this.log.error({ err }, 'catch-up failed');
      this.fail('CONCLAVE_ERR_INTERNAL', 'catch-up failed');
    } finally {
      this.catchingUp.delete(conversationId);
      settle();
    }
  }

  /** Waits until the socket's send buffer is below a quarter of the slow-reader bound. */
  private async drained(): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (this.ws.bufferedAmount + this.writer.pendingBytes > LIMITS.maxBufferedBytes / 4 && this.phase !== 'closed') {
      if (Date.now() > deadline) {
        this.fail('CONCLAVE_ERR_SLOW_READER', 'catch-up stalled');
        return;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
