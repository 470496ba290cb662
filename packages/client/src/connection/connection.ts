import {
  CLOSE_CODES,
  LIMITS,
  PROTOCOL_VERSION,
  REPLY_TYPE,
  decodeServerFrame,
  encodeFrame,
  type ClientFrame,
  type FrameOf,
  type ReplyOf,
  type RequestInput,
  type RequestType,
  type ServerFrame,
} from '@conclave/protocol';
import { ConclaveError, toConclaveError } from '../errors.js';
import { BACKOFF, backoffDelay } from './backoff.js';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import type { ClientSocket, SocketFactory } from './socket.js';
import { canTransition, type ConnectionState } from './state.js';

/** Details that come with a state change. */
export interface StateChange {
  state: ConnectionState;
  previous: ConnectionState;
  /** Why the connection was lost or closed, when it was not asked for. */
  error?: ConclaveError;
  /** In `reconnecting`: the delay before the next attempt, in ms. */
  retryInMs?: number;
}

/** Options of a `Connection`. Times are in ms. */
export interface ConnectionOptions {
  /** `wss://host:port/ws`. */
  url: string;
  socketFactory: SocketFactory;
  /** Sent in `hello`, e.g. `conclave-cli/0.1`. */
  clientName: string;
  /**
   * Runs on every (re)connect in `authenticating`, after the server's hello:
   * log in or resume, then catch up. Resolve to become `ready`; throw a
   * `ConclaveError` to fail the attempt (a fatal one ends the connection).
   */
  handshake: (conn: Connection) => Promise<void>;
  /** Every server frame except `hello` and errors answering a request, in arrival order. */
  onFrame: (frame: ServerFrame) => void;
  onStateChange?: (change: StateChange) => void;
  clock?: Clock;
  /** Uniform source in [0, 1) for backoff jitter. */
  random?: () => number;
  /** Time a request waits for its reply (default 15 000 ms). */
  requestTimeoutMs?: number;
  /** Default `LIMITS.clientPingIntervalMs`. */
  pingIntervalMs?: number;
  /** Default `LIMITS.clientPongTimeoutMs`. */
  pongTimeoutMs?: number;
  /**
   * Whether the user can see the app now (the web client passes document
   * visibility; default: always). Reconnect backoff is capped at
   * `BACKOFF.visibleMaxMs` while visible, `BACKOFF.maxMs` while hidden.
   */
  isVisible?: () => boolean;
}

interface Pending {
  expect: ServerFrame['type'];
  resolve: (frame: ServerFrame) => void;
  reject: (err: ConclaveError) => void;
  timer: TimerHandle;
}

const HELLO_KEY = '\0hello';

/**
 * One logical connection to a server over a succession of sockets: the
 * state machine of `state.ts`, the hello exchange, request/reply matching
 * by `id`, heartbeat and reconnect with backoff. What to say after hello is
 * the `handshake` option's business.
 */
export class Connection {
  private state_: ConnectionState = 'idle';
  private socket: ClientSocket | null = null;
  /** Bumped whenever a socket is abandoned; callbacks of older sockets are ignored. */
  private generation = 0;
  private attempt = 0;
  private everReady = false;
  private nextId = 0;
  private readonly pending = new Map<string, Pending>();
  private reconnectTimer: TimerHandle = null;
  private pingTimer: TimerHandle = null;
  private lastSocketError: Error | null = null;
  private lastServerError: ConclaveError | null = null;
  /** The `hello` of the current (or last) socket: limits, registration, notice key. */
  serverHello: FrameOf<ServerFrame, 'hello'> | null = null;
  private firstReady: { resolve: () => void; reject: (err: ConclaveError) => void } | null = null;
  private readonly clock: Clock;
  private readonly requestTimeoutMs: number;
  private readonly pingIntervalMs: number;
  private readonly pongTimeoutMs: number;

  constructor(private readonly options: ConnectionOptions) {
    this.clock = options.clock ?? systemClock;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 15_000;
    this.pingIntervalMs = options.pingIntervalMs ?? LIMITS.clientPingIntervalMs;
    this.pongTimeoutMs = options.pongTimeoutMs ?? LIMITS.clientPongTimeoutMs;
  }

  /** The current state. */
  get state(): ConnectionState {
    return this.state_;
  }

  /**
   * Opens the first socket. Resolves when `ready` the first time; rejects with
   * a `ConclaveError` if that first attempt fails (no retry: a wrong address
   * or password should be reported, not looped on). Later losses reconnect.
   */
  start(): Promise<void> {
    if (this.state_ !== 'idle') return Promise.reject(new ConclaveError('CONCLAVE_ERR_CLOSED', 'Already started.'));
    const promise = new Promise<void>((resolve, reject) => {
      this.firstReady = { resolve, reject };
    });
    this.open();
    return promise;
  }

  /**
   * Sends a request and resolves with its reply frame. Rejects with the
   * server's error as a `ConclaveError`, `CONCLAVE_ERR_TIMEOUT` after
   * `timeoutMs`, or `CONCLAVE_ERR_DISCONNECTED` if the socket goes first.
   */
  request<T extends RequestType>(input: RequestInput<T>, timeoutMs = this.requestTimeoutMs): Promise<ReplyOf<T>> {
    if (this.socket === null || (this.state_ !== 'authenticating' && this.state_ !== 'ready')) {
      return Promise.reject(new ConclaveError(this.state_ === 'closed' ? 'CONCLAVE_ERR_CLOSED' : 'CONCLAVE_ERR_DISCONNECTED'));
    }
    const id = `r${++this.nextId}`;
    const frame = { ...input, id } as unknown as ClientFrame;
    return new Promise<ReplyOf<T>>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.pending.delete(id);
        reject(new ConclaveError('CONCLAVE_ERR_TIMEOUT'));
      }, timeoutMs);
      this.pending.set(id, {
        expect: REPLY_TYPE[input.type],
        resolve: resolve as (frame: ServerFrame) => void,
        reject,
        timer,
      });
      this.transmit(frame);
    });
  }

  /** Closes for good: no reconnect; pending requests reject with `CONCLAVE_ERR_CLOSED`. */
  close(): void {
    this.shutdown(new ConclaveError('CONCLAVE_ERR_CLOSED'), false);
  }

  // ------------------------------------------------------------ socket life

  private open(): void {
    this.transition('connecting');
    const gen = ++this.generation;
    this.lastSocketError = null;
    this.lastServerError = null;
    let socket: ClientSocket;
    try {
      socket = this.options.socketFactory(this.options.url);
    } catch (err) {
      this.lost(gen, toConclaveError(err));
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (gen === this.generation) void this.onOpen(gen);
    };
    socket.onmessage = (text) => {
      if (gen === this.generation) this.onText(text);
    };
    socket.onerror = (error) => {
      // Keep the adapter's own explanation (e.g. a changed certificate) over the generic error that follows it.
      if (gen === this.generation && !(this.lastSocketError instanceof ConclaveError)) this.lastSocketError = error;
    };
    socket.onclose = (code, reason) => {
      if (gen === this.generation) this.lost(gen, this.closeError(code, reason));
    };
  }

  private async onOpen(gen: number): Promise<void> {
    this.transition('authenticating');
    try {
      await this.exchangeHello();
      await this.options.handshake(this);
      if (gen !== this.generation) return;
      this.transition('ready');
      this.attempt = 0;
      this.everReady = true;
      this.schedulePing(gen);
      this.firstReady?.resolve();
      this.firstReady = null;
    } catch (err) {
      if (gen !== this.generation) return;
      const error = this.lastServerError ?? toConclaveError(err);
      this.lost(gen, error);
    }
  }

  private exchangeHello(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.pending.delete(HELLO_KEY);
        reject(new ConclaveError('CONCLAVE_ERR_TIMEOUT', 'The server did not answer hello.'));
      }, this.requestTimeoutMs);
      this.pending.set(HELLO_KEY, { expect: 'hello', resolve: () => resolve(), reject, timer });
      this.transmit({ type: 'hello', protocol: PROTOCOL_VERSION, client: this.options.clientName });
    });
  }

  /** The socket `gen` is gone (or must be dropped): reconnect or close. */
  private lost(gen: number, error: ConclaveError): void {
    if (gen !== this.generation || this.state_ === 'closed') return;
    // A failure before the first `ready` is reported rather than retried.
    if (error.fatal || !this.everReady) {
      this.shutdown(error, true);
      return;
    }
    this.dropSocket(new ConclaveError('CONCLAVE_ERR_DISCONNECTED'));
    const visible = this.options.isVisible?.() ?? true;
    const delay = backoffDelay(this.attempt++, this.options.random, visible ? BACKOFF.visibleMaxMs : BACKOFF.maxMs);
    this.transition('reconnecting', { error, retryInMs: delay });
    this.reconnectTimer = this.clock.setTimeout(() => {
      this.reconnectTimer = null;
      if (this.state_ === 'reconnecting') this.open();
    }, delay);
  }

  private shutdown(error: ConclaveError, unexpected: boolean): void {
    if (this.state_ === 'closed') return;
    this.dropSocket(error.code === 'CONCLAVE_ERR_CLOSED' ? error : new ConclaveError('CONCLAVE_ERR_CLOSED', error.message));
    if (this.reconnectTimer !== null) this.clock.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.transition('closed', unexpected ? { error } : {});
    this.firstReady?.reject(error);
    this.firstReady = null;
  }

  /** Forgets the current socket, closing it, and fails what waited on it. */
  private dropSocket(reason: ConclaveError): void {
    this.generation++;
    if (this.pingTimer !== null) this.clock.clearTimeout(this.pingTimer);
    this.pingTimer = null;
    const socket = this.socket;
    this.socket = null;
    if (socket !== null) {
      socket.onopen = socket.onmessage = socket.onerror = socket.onclose = null;
      try {
        socket.close(CLOSE_CODES.normal);
      } catch {
        // already closed
      }
    }
    for (const [id, p] of this.pending) {
      this.clock.clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(reason);
    }
  }

  private closeError(code: number, reason: string): ConclaveError {
    if (this.lastServerError !== null) return this.lastServerError;
    const socketError = this.lastSocketError;
    if (socketError instanceof ConclaveError) return socketError;
    if (code === CLOSE_CODES.sessionEnded) return new ConclaveError('CONCLAVE_ERR_SESSION_INVALID');
    if (code === CLOSE_CODES.protocolVersion) return new ConclaveError('CONCLAVE_ERR_PROTOCOL_VERSION');
    if (this.state_ === 'connecting') {
      const why = socketError?.message ?? (reason || `closed with code ${code}`);
      return new ConclaveError('CONCLAVE_ERR_CONNECT_FAILED', `Could not connect to the server: ${why}`);
    }
    return new ConclaveError('CONCLAVE_ERR_DISCONNECTED', reason ? `Disconnected: ${reason}` : undefined);
  }

  // ------------------------------------------------------------ frames

  private transmit(frame: ClientFrame): void {
    try {
      this.socket?.send(encodeFrame(frame));
    } catch (err) {
      this.lastSocketError = err instanceof Error ? err : new Error(String(err));
    }
  }

  private onText(text: string): void {
    const decoded = decodeServerFrame(text);
    if (!decoded.ok) return; // a newer server's frame we do not know: ignore, never crash
    const frame = decoded.frame;
    if (frame.type === 'hello') {
      this.serverHello = frame;
      this.settle(HELLO_KEY, frame);
      return;
    }
    if (frame.type === 'error') {
      const error = new ConclaveError(frame.code, frame.message);
      if (frame.id !== undefined && this.pending.has(frame.id)) {
        this.fail(frame.id, error);
        return;
      }
      // An error ending the connection explains the close that follows it.
      if (error.fatal || frame.code === 'CONCLAVE_ERR_SHUTTING_DOWN') this.lastServerError = error;
      if (this.pending.has(HELLO_KEY) && error.fatal) this.fail(HELLO_KEY, error);
    }
    this.options.onFrame(frame);
    if ('id' in frame && frame.id !== undefined) this.settle(frame.id, frame);
  }

  private settle(id: string, frame: ServerFrame): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    if (p.expect !== frame.type) {
      this.fail(id, new ConclaveError('CONCLAVE_ERR_BAD_REPLY', `Expected ${p.expect}, got ${frame.type}.`));
      return;
    }
    this.pending.delete(id);
    this.clock.clearTimeout(p.timer);
    p.resolve(frame);
  }

  private fail(id: string, error: ConclaveError): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.pending.delete(id);
    this.clock.clearTimeout(p.timer);
    p.reject(error);
  }

  // ------------------------------------------------------------ heartbeat

  private schedulePing(gen: number): void {
    this.pingTimer = this.clock.setTimeout(() => {
      this.pingTimer = null;
      if (gen !== this.generation) return;
      this.request({ type: 'ping' }, this.pongTimeoutMs).then(
        () => this.schedulePing(gen),
        (err: unknown) => {
          if (err instanceof ConclaveError && err.code === 'CONCLAVE_ERR_TIMEOUT') {
            this.lost(gen, new ConclaveError('CONCLAVE_ERR_DISCONNECTED', 'The server stopped answering.'));
          }
        },
      );
    }, this.pingIntervalMs);
  }

  private transition(to: ConnectionState, extra: Omit<StateChange, 'state' | 'previous'> = {}): void {
    const from = this.state_;
    if (!canTransition(from, to)) throw new Error(`connection: illegal transition ${from} → ${to}`);
    this.state_ = to;
    this.options.onStateChange?.({ state: to, previous: from, ...extra });
  }
}
