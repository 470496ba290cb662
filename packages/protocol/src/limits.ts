/**
 * Wire limits shared by the server and every client. Units are in the names
 * (bytes, ms, per-second). The server enforces them; clients use them to
 * refuse oversized input before sending it.
 */

/** Version of the frame protocol, sent in both `hello` frames. Bumped on incompatible change. */
export const PROTOCOL_VERSION = 1;

/** Path of the WebSocket endpoint on the server's HTTPS port. */
export const WS_PATH = '/ws';

/**
 * The web client's session: `POST` with `Authorization: Bearer <token>` sets
 * the HttpOnly cookie `SESSION_COOKIE` (so page scripts never keep the token);
 * `DELETE` clears it. The cookie then authenticates WebSocket upgrades from
 * the same origin (`authenticate` without a token).
 */
export const SESSION_PATH = '/api/session';

/** Name of the web client's HttpOnly, Secure, SameSite=Strict session cookie. */
export const SESSION_COOKIE = 'conclave_session';

/**
 * Devices (leaves) one MLS group may hold: rooms of 2 000 members with two
 * devices each. The size limits of MLS objects and frames are derived from it.
 */
const MAX_GROUP_SIZE = 4096;
/** Devices one Commit may add or remove. */
const MAX_GROUP_DEVICES = 1000;
/** See `LIMITS.groupInfoBaseBytes`. */
const GROUP_INFO_BASE_BYTES = 4 * 1024;
/** See `LIMITS.groupInfoBytesPerDevice`. */
const GROUP_INFO_BYTES_PER_DEVICE = 512;
/** See `LIMITS.welcomeBytesPerAddedDevice`. */
const WELCOME_BYTES_PER_ADDED_DEVICE = 512;
/** The Welcome allowance of the largest group after the largest add: the largest MLS handshake object, in bytes. */
const MAX_HANDSHAKE_BYTES = GROUP_INFO_BASE_BYTES + MAX_GROUP_SIZE * GROUP_INFO_BYTES_PER_DEVICE + MAX_GROUP_DEVICES * WELCOME_BYTES_PER_ADDED_DEVICE;
/** Base64 length of `bytes` bytes (RFC 4648 §4, padded). */
const base64Length = (bytes: number): number => Math.ceil(bytes / 3) * 4;

export const LIMITS = {
  /**
   * Largest WebSocket message the server accepts once authenticated, in bytes
   * (close 1009 above it): a `commit` frame carrying a Commit, a GroupInfo and
   * a Welcome of the largest group (`maxGroupSize`), each up to
   * `maxHandshakeBytes` in base64, plus 64 KiB for the JSON and the device
   * lists. About 10.5 MB; frames this large are paid for in the flood bucket
   * by their size (`bytesPerFrameToken`).
   */
  maxFrameBytes: 3 * base64Length(MAX_HANDSHAKE_BYTES) + 64 * 1024,
  /**
   * A received frame costs one token of the flood bucket (`framesPerSecond`,
   * `frameBurst`) per this many bytes or part of it, so a connection sends at
   * most `framesPerSecond` × this (5 MiB/s) sustained whatever its frame sizes.
   */
  bytesPerFrameToken: 256 * 1024,
  /**
   * Devices (leaves) one MLS group may hold: a Commit that would make a group
   * larger is refused with `CONCLAVE_ERR_GROUP_FULL`. Rooms of 2 000 members
   * with two devices each; the MLS object limits below are derived from it.
   */
  maxGroupSize: MAX_GROUP_SIZE,
  /** Largest message text a client may send, in UTF-8 bytes (before encryption). */
  maxBodyBytes: 16 * 1024,
  /** Largest MLS PrivateMessage carrying one message, in bytes (text + framing, padding, tag). */
  maxCiphertextBytes: 20 * 1024,
  /** Largest ephemeral (unlogged) message, in bytes of MLS ciphertext: a typing indicator is ~200. */
  maxEphemeralBytes: 2 * 1024,
  /** Ephemeral messages a connection may send per second, sustained (burst `ephemeralBurst`); more are refused. */
  ephemeralPerSecond: 1,
  /** Ephemeral messages a connection may send at once before `ephemeralPerSecond` applies. */
  ephemeralBurst: 5,
  /**
   * Largest MLS handshake object (KeyPackage, Commit, Welcome, GroupInfo with
   * its ratchet tree), in bytes: the Welcome allowance of a group of
   * `maxGroupSize` devices after a Commit adding `maxGroupDevices` (about
   * 2.5 MiB). The server holds each GroupInfo and Welcome to the allowance of
   * the group's own size (`groupInfoBaseBytes`…).
   */
  maxHandshakeBytes: MAX_HANDSHAKE_BYTES,
  /** KeyPackages one `publish_key_packages` frame may carry. */
  maxKeyPackagesPerPublish: 100,
  /**
   * One-time KeyPackages the server keeps per device (more are refused with
   * `CONCLAVE_ERR_KEY_PACKAGES_FULL`). Clients keep 30 there; 100 leaves room
   * while bounding what one device stores (100 × `maxKeyPackageBytes`).
   */
  maxKeyPackagesPerDevice: 100,
  /** Users one `claim_key_packages` frame may name. */
  maxClaimUsers: 50,
  /** Devices one Commit may add or remove. */
  maxGroupDevices: MAX_GROUP_DEVICES,
  /** Sustained frames per second a connection may send before it gets `CONCLAVE_ERR_RATE_LIMITED`. */
  framesPerSecond: 20,
  /** Burst of frames allowed above the sustained rate. */
  frameBurst: 60,
  /** Rate-limited frames in a row after which the server closes the connection (flood). */
  maxRejectedFrames: 100,
  /** Time a new connection has to authenticate, in ms. */
  authTimeoutMs: 15_000,
  /** Interval of the server's WebSocket pings, in ms; a peer missing one whole interval is dropped. */
  heartbeatIntervalMs: 30_000,
  /**
   * Interval of the client's application-level `ping`, in ms. With
   * `clientPongTimeoutMs` it bounds how long a silently dropped network goes
   * unnoticed: at most interval + timeout = 12 s (< 15 s). The server answers
   * pings at once (not behind queued frames) and its rate limit (20/s) is far above 0.2/s.
   */
  clientPingIntervalMs: 5_000,
  /** Time the client waits for a `pong` before it treats the connection as dead, in ms. */
  clientPongTimeoutMs: 7_000,
  /**
   * Bytes queued for a slow reader before the server drops the connection:
   * room for the largest frame the server sends (a Welcome or GroupInfo of the
   * largest group, about 3.5 MB in base64) and the traffic behind it.
   */
  maxBufferedBytes: 8 * 1024 * 1024,
  /** Messages sent per batch while catching a device up from its cursor. */
  syncPageSize: 200,
  /** Conversations one `sync` frame may name. */
  maxSyncCursors: 2_000,
  /**
   * Grace period of presence, in ms: when a user's last device disconnects,
   * the server waits this long before it announces `logout`; a device of
   * theirs connecting again within it (a page reload, a network switch)
   * announces neither `logout` nor a new `login`. `who` lists only users with
   * a device connected right now, so during the grace period the user is not
   * listed although no `logout` was announced yet.
   */
  presenceGraceMs: 10_000,
  /**
   * Presence notices announced one by one per `presenceBurstWindowMs`; past
   * that (a server restart, a network outage ending) the server sends one
   * `presence` notice per window that sums up the logins and logouts, so N
   * users coming back cost each connection one notice a second instead of N.
   */
  presenceBurst: 10,
  /** The window of `presenceBurst`, in ms. */
  presenceBurstWindowMs: 1_000,
  /**
   * Largest KeyPackage (its MLSMessage encoding), in bytes; larger ones are
   * refused with `CONCLAVE_ERR_MLS_TOO_LARGE`. With Conclave's one cipher suite
   * (MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, 0x0001) and its credential a
   * KeyPackage is about 380–470 bytes; 4 KiB leaves room for extensions.
   */
  maxKeyPackageBytes: 4 * 1024,
  /**
   * GroupInfo (with its ratchet tree) allowance, in bytes: a GroupInfo for a
   * group of n devices may be `groupInfoBaseBytes + n × groupInfoBytesPerDevice`
   * bytes, and never more than `maxHandshakeBytes`. Measured with this suite
   * and 1–32-character usernames: about 200 + 260–280 × n bytes (1 000
   * devices: 259 KB; 2 000: 520 KB), so the allowance is about twice that.
   */
  groupInfoBaseBytes: GROUP_INFO_BASE_BYTES,
  /** GroupInfo allowance per device in the group (after the Commit), in bytes; see `groupInfoBaseBytes`. */
  groupInfoBytesPerDevice: GROUP_INFO_BYTES_PER_DEVICE,
  /**
   * Welcome allowance per added device, in bytes, on top of the GroupInfo
   * allowance (a Welcome carries the encrypted GroupInfo with its ratchet tree
   * and one ~120-byte encrypted GroupSecrets per new member, RFC 9420 §12.4.3.1).
   * Never more than `maxHandshakeBytes`.
   */
  welcomeBytesPerAddedDevice: WELCOME_BYTES_PER_ADDED_DEVICE,
  /**
   * One-time KeyPackages one user may claim of one target device per
   * `keyPackageClaimWindowMs` (adding a device to a group needs one, once;
   * a retry after a stale epoch may need another). Past it the claim gets the
   * device's last-resort KeyPackage (RFC 9420 §16.8) instead, so nobody can
   * drain another user's stock.
   */
  keyPackageClaimsPerTargetDevice: 3,
  /** The window of `keyPackageClaimsPerTargetDevice`, in ms. */
  keyPackageClaimWindowMs: 3_600_000,
  /**
   * Largest WebSocket message the server accepts before the connection is
   * authenticated, in bytes (UTF-8 JSON text). A larger one closes the
   * connection with 1009 (`CONCLAVE_ERR_FRAME_TOO_LARGE`) before it is parsed.
   * The largest legitimate pre-auth frame is a `register`/`login` with a
   * 1024-character password (≤ 4 KiB of UTF-8) and a device: 8 KiB holds it.
   */
  maxPreAuthFrameBytes: 8 * 1024,
  /**
   * Entries any one JSON array or object in a client frame may hold, checked
   * right after `JSON.parse` and before schema validation (whose work grows
   * with them); the tighter per-field limits (e.g. `maxSyncCursors`) are the
   * schema's. Equal to the largest of those per-field limits.
   */
  maxFrameCollectionEntries: 2_000,
  /** Nesting depth of a client frame's JSON (the frame object is depth 1), checked before schema validation. */
  maxFrameDepth: 8,
  /**
   * Frames of a type not allowed before authentication (anything but hello,
   * register, login, authenticate) that an unauthenticated connection may
   * send: each is answered with a typed error (`CONCLAVE_ERR_HELLO_REQUIRED`,
   * `CONCLAVE_ERR_NOT_AUTHENTICATED`); the one after closes it (1008). A few,
   * not one: a client may have requests in flight when its session ends.
   */
  maxPreAuthRefusals: 10,
  /**
   * Interval of a connection's refusal summary log line, in ms: refused frames
   * are counted per connection and error code, and logged as one line at most
   * this often and once at close, instead of one line per frame.
   */
  refusalLogIntervalMs: 60_000,
  /**
   * Server-wide ceiling on connection log lines (opened, refusals, closed for
   * connections that never authenticated), per second sustained; lines above
   * it are dropped and counted (`conclave_log_lines_suppressed_total`, and
   * `suppressedLines` on the next line written).
   */
  connectionLogLinesPerSecond: 20,
  /** Burst of connection log lines above `connectionLogLinesPerSecond`. */
  connectionLogLinesBurst: 100,
  /**
   * One-time KeyPackages of a device below which a claim that takes one
   * pushes `key_packages_low` to the device, so it uploads more (clients top up to 30).
   */
  keyPackageLowWater: 10,
  /**
   * Longest wait of one account from one address after repeated password
   * failures, in ms: the first lock-out lasts the login window
   * (`login_window_minutes`), each further one within this time twice the one
   * before, up to this; lock-outs are remembered this long.
   */
  loginBackoffMaxMs: 86_400_000,
  /**
   * How often each server checks that the sessions of its live connections
   * still exist and have not expired, in ms: one query for all of them (per
   * `sessionRevocationBatch` sessions). A session revoked by any path — a
   * password reset from the shell (another process), an admin's
   * `/logoutuser` or `/deluser`, `logout` on another connection, device
   * pruning, expiry — closes its connections with
   * `CONCLAVE_ERR_SESSION_REVOKED` within this time, on every node.
   */
  sessionRevocationCheckMs: 2_000,
  /** Most session token hashes looked up in one query of the revocation check (below every SQL dialect's bound-parameter cap). */
  sessionRevocationBatch: 5_000,
} as const;

/** Account field rules (the server is authoritative; clients use them for early hints). */
export const ACCOUNT_RULES = {
  usernamePattern: /^[A-Za-z0-9_.-]{3,32}$/,
  passwordMinChars: 8,
  passwordMaxChars: 1024,
} as const;

/** Room names: `#` then 1–32 of `[a-z0-9_-]`, compared case-insensitively. */
export const ROOM_NAME_PATTERN = /^#[A-Za-z0-9_-]{1,32}$/;

/** The room every user belongs to from the first start. */
export const GENERAL_ROOM = '#general';
