import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ClientFrame, ErrorCode, ServerFrame } from '@conclave/protocol';

/** Why a login was refused, as the `reason` label of `conclave_login_failures_total`. */
export type LoginFailureReason = 'bad_credentials' | 'throttled';

/**
 * The `type` label of a received frame: a client frame type, `invalid` for
 * anything that did not decode, `unparsed` for one refused before it was
 * parsed (over the rate limit, or over the pre-auth size bound).
 */
export type ReceivedFrameLabel = ClientFrame['type'] | 'invalid' | 'unparsed';

/** Which cap refused a new connection: the `reason` label of `conclave_connections_refused_total`. */
export type ConnectionRefusalLabel = 'address' | 'preauth_address' | 'session';

/** The `type` label of a sent frame. */
export type SentFrameLabel = ServerFrame['type'];

/**
 * Upper bounds (seconds) of the delivery latency histogram: 1 ms to 10 s,
 * roughly ×2.5 apart, so a LAN (~ms) and a loaded Pi (~s) both land mid-range.
 */
export const DELIVERY_LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Options of `Metrics`. */
export interface MetricsOptions {
  /**
   * Also register prom-client's default process metrics (CPU, memory, event
   * loop lag, GC, handles; unprefixed standard names such as
   * `process_cpu_seconds_total`). Default true.
   */
  processMetrics?: boolean;
  /** This node's name in a cluster, added as the label `node` to every series (so one Prometheus tells the nodes apart). */
  node?: string;
}

/**
 * A server's Prometheus metrics, on a registry of their own (not prom-client's
 * global one), so several servers in one process never share or clash.
 *
 * Every label value is drawn from a closed set — frame types from the protocol
 * schema, error codes from the catalogue, a login-failure reason — so the
 * exposition never carries a username, token, address, conversation id or any
 * other user data, and its cardinality is bounded.
 */
export class Metrics {
  /** The registry `/metrics` renders. */
  readonly registry = new Registry();
  private readonly connections: Gauge;
  private readonly framesIn: Counter<'type'>;
  private readonly framesOut: Counter<'type'>;
  private readonly errors: Counter<'code'>;
  private readonly loginFailures: Counter<'reason'>;
  private readonly accepted: Counter;
  private readonly latency: Histogram;
  private readonly refused: Counter<'code'>;
  private readonly connectionsRefused: Counter<'reason'>;
  private readonly suppressedLines: Counter;
  private readonly blobBytesIn: Counter;
  private readonly blobBytesOut: Counter;
  private readonly blobsPurged: Counter;

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    this.connections = new Gauge({ name: 'conclave_websocket_connections', help: 'Open WebSocket connections.', registers });
    this.framesIn = new Counter({
      name: 'conclave_frames_received_total',
      help: 'WebSocket frames received, by frame type (invalid: binary, bad JSON, unknown type or schema violation).',
      labelNames: ['type'],
      registers,
    });
    this.framesOut = new Counter({ name: 'conclave_frames_sent_total', help: 'WebSocket frames sent, by frame type.', labelNames: ['type'], registers });
    this.errors = new Counter({ name: 'conclave_errors_sent_total', help: 'Error frames sent, by error code.', labelNames: ['code'], registers });
    this.loginFailures = new Counter({
      name: 'conclave_login_failures_total',
      help: 'Refused logins, by reason (bad_credentials, throttled).',
      labelNames: ['reason'],
      registers,
    });
    this.accepted = new Counter({ name: 'conclave_messages_accepted_total', help: 'Application messages accepted into a conversation log.', registers });
    this.latency = new Histogram({
      name: 'conclave_message_delivery_latency_seconds',
      help: 'Time from the server accepting a log entry (its sentAt) to writing it to a live recipient socket.',
      buckets: DELIVERY_LATENCY_BUCKETS,
      registers,
    });
    this.refused = new Counter({
      name: 'conclave_frames_refused_total',
      help: 'Client frames refused, by error code, whether or not an error frame was sent for each (rate-limited frames are answered at most once a second).',
      labelNames: ['code'],
      registers,
    });
    this.connectionsRefused = new Counter({
      name: 'conclave_connections_refused_total',
      help: 'WebSocket connections refused by a cap, by reason (address, preauth_address, session).',
      labelNames: ['reason'],
      registers,
    });
    this.suppressedLines = new Counter({
      name: 'conclave_log_lines_suppressed_total',
      help: 'Connection log lines (opened, refusals, closing) dropped by the server-wide log line rate limit.',
      registers,
    });
    this.blobBytesIn = new Counter({ name: 'conclave_blob_bytes_stored_total', help: 'Bytes of encrypted files stored (uploads acknowledged, retries not counted).', registers });
    this.blobBytesOut = new Counter({ name: 'conclave_blob_bytes_served_total', help: 'Bytes of encrypted files sent to downloading devices.', registers });
    this.blobsPurged = new Counter({ name: 'conclave_blobs_deleted_total', help: 'Encrypted files deleted by the retention sweep (with their messages, or never announced).', registers });
    // Zero series for the closed label sets an operator alerts on, so a rate() has a baseline before the first event.
    for (const reason of ['bad_credentials', 'throttled'] as const) this.loginFailures.inc({ reason }, 0);
    for (const reason of ['address', 'preauth_address', 'session'] as const) this.connectionsRefused.inc({ reason }, 0);
    if (options.node !== undefined) this.registry.setDefaultLabels({ node: options.node });
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** A WebSocket opened. */
  connectionOpened(): void {
    this.connections.inc();
  }

  /** A WebSocket closed (call once per opened one). */
  connectionClosed(): void {
    this.connections.dec();
  }

  /** A frame arrived from a client. */
  frameReceived(type: ReceivedFrameLabel): void {
    this.framesIn.inc({ type });
  }

  /** A frame was written to a client socket. */
  frameSent(type: SentFrameLabel): void {
    this.framesOut.inc({ type });
  }

  /** An error frame was sent; a refused login also counts as a login failure. */
  errorSent(code: ErrorCode): void {
    this.errors.inc({ code });
    if (code === 'CONCLAVE_ERR_BAD_CREDENTIALS') this.loginFailures.inc({ reason: 'bad_credentials' });
    else if (code === 'CONCLAVE_ERR_LOGIN_THROTTLED') this.loginFailures.inc({ reason: 'throttled' });
  }

  /** A client frame was refused (answered with `code`, or counted only when its answer was rate-limited). */
  frameRefused(code: ErrorCode): void {
    this.refused.inc({ code });
  }

  /** A new connection was refused by a connection cap. */
  connectionRefused(reason: ConnectionRefusalLabel): void {
    this.connectionsRefused.inc({ reason });
  }

  /** A connection log line was dropped by the log line rate limit. */
  logLineSuppressed(): void {
    this.suppressedLines.inc();
  }

  /** An application message was appended to a conversation log (not a duplicate retry). */
  messageAccepted(): void {
    this.accepted.inc();
  }

  /** An uploaded blob of `bytes` was stored. */
  blobStored(bytes: number): void {
    this.blobBytesIn.inc(bytes);
  }

  /** `bytes` of a blob were opened for a download (the whole blob, or the range asked for). */
  blobServed(bytes: number): void {
    this.blobBytesOut.inc(bytes);
  }

  /** The retention sweep deleted `count` blobs. */
  blobsDeleted(count: number): void {
    if (count > 0) this.blobsPurged.inc(count);
  }

  /**
   * A log entry was written to a recipient's socket on the live path.
   * @param sentAt when the server accepted it, ms since the Unix epoch
   * @param now the write time, ms since the Unix epoch
   */
  messageDelivered(sentAt: number, now: number = Date.now()): void {
    this.latency.observe(Math.max(0, now - sentAt) / 1000);
  }

  /** The `Content-Type` of `render()`'s text (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every metric. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}
