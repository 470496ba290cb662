import { hostname } from 'node:os';
import path from 'node:path';
import { CLOSE_CODES, WS_PATH, type AdminCommand, type AdminResult, type ServerStatus, type UserInfo } from '@conclave/protocol';
import { RevocationWatch } from './accounts/revocation.js';
import { AccountService } from './accounts/service.js';
import { AdminService, type AdminRuntime } from './admin/service.js';
import { BlobService } from './blobs/service.js';
import { DiskBlobStorage } from './blobs/storage.js';
import type { Bus } from './bus/bus.js';
import { LocalBus } from './bus/local.js';
import { RedisBus } from './bus/redis.js';
import { loadSecretBox, sharedNoticeSigner, sharedSetupCode } from './cluster/identity.js';
import { memoryLimiters, redisLimiters, type LimiterFactory } from './cluster/limiters.js';
import type { RedisLink } from './cluster/redis.js';
import { ConversationService } from './conversations/service.js';
import { DeliveryService } from './delivery/service.js';
import { DeviceService } from './devices/service.js';
import { GroupService } from './groups/service.js';
import { createHttpApp } from './http/app.js';
import { TrustedProxies } from './http/client-address.js';
import { sessionCookieToken } from './http/session.js';
import { createLogger, type LogLevel } from './logger.js';
import { Metrics } from './metrics/metrics.js';
import { RedisPresence } from './presence/directory.js';
import { Hub } from './presence/hub.js';
import { SettingsService } from './settings/service.js';
import { startRetentionSweep } from './retention.js';
import { openStores, type StorageTarget, type Stores } from './storage/index.js';
import { loadOrCreateCertificate } from './tls/certificate.js';
import { NoticeSigner } from './notices/signer.js';
import { attachGateway } from './ws/gateway.js';
import type { Logger } from 'pino';

/** How to run a server. Paths are file system paths; `port` 0 picks a free one. */
export interface ServerOptions {
  /** Address to listen on; default `0.0.0.0`. */
  host?: string;
  /** TCP port for HTTPS and WebSocket; default 8443. */
  port?: number;
  /** Where the database and the self-signed certificate live; created when missing. */
  dataDir: string;
  /**
   * Where encrypted files are stored; default `<dataDir>/blobs`. Every node of
   * a cluster must see the same directory (a shared volume).
   */
  blobDir?: string | undefined;
  /**
   * A PostgreSQL database (`postgres://user:password@host:5432/db`) instead of
   * SQLite in `dataDir`; shared by every node of a cluster. Never logged.
   */
  databaseUrl?: string | undefined;
  /**
   * Redis (`redis://host:6379`): this server is then one node of a cluster on
   * `databaseUrl` — fan-out, presence and rate limits go through Redis. Never logged.
   */
  redisUrl?: string | undefined;
  /** Prefix of this cluster's Redis keys and channels; default `conclave:` (tests use their own). */
  redisPrefix?: string | undefined;
  /** This node's name in the cluster (presence, the metrics' `node` label); default `<hostname>-<pid>`. */
  nodeId?: string | undefined;
  /**
   * The cluster secret key that seals the notice key and setup code in a
   * PostgreSQL database (every node the same, e.g. from `CONCLAVE_SECRET_KEY`);
   * default: `<dataDir>/secret.key`, generated on first start.
   */
  secretKey?: string | undefined;
  /** Your own PEM certificate and key instead of the self-signed one. */
  tlsCert?: string;
  tlsKey?: string;
  /** Default `info`; tests use `silent`. */
  logLevel?: LogLevel;
  /** Human-readable log lines instead of JSON (for a terminal). */
  prettyLogs?: boolean;
  /** Directory of the built web client served at `/` (`packages/web/dist`); a landing page without it. */
  webRoot?: string;
  /**
   * Serve Prometheus metrics at `GET /metrics` (default off: message rates are
   * metadata). Unauthenticated; the labels never carry user data.
   */
  metrics?: boolean;
  /** Presence grace period before a `logout` notice, ms; default `LIMITS.presenceGraceMs` (tests shorten it). */
  presenceGraceMs?: number;
  /** Presence notices sent one by one per window before they are summed up; default `LIMITS.presenceBurst` (tests change it). */
  presenceBurst?: number;
  /** That window, ms; default `LIMITS.presenceBurstWindowMs`. */
  presenceBurstWindowMs?: number;
  /** Devices one MLS group may hold; default `LIMITS.maxGroupSize` (tests lower it). */
  maxGroupSize?: number;
  /**
   * Reverse proxies (addresses or CIDR subnets, e.g. `['127.0.0.1', '10.0.0.0/8']`)
   * whose `X-Forwarded-For` header names the client for login throttling and
   * connection caps. Default none: the header is ignored and the TCP peer is the client.
   */
  trustProxy?: readonly string[];
  /** The clock of the hourly retention sweep (expired messages and files), ms; default `Date.now` (tests move it forward). */
  sweepClock?: () => number;
}

/** A started server. */
export interface RunningServer {
  /** The port actually bound. */
  port: number;
  /** `https://<host>:<port>` (127.0.0.1 when listening on all addresses). */
  url: string;
  /** `wss://<host>:<port>/ws`. */
  wsUrl: string;
  /** `SHA256:<base64>` of the certificate in use. */
  fingerprint: string;
  /** True when the certificate is the generated self-signed one. */
  selfSigned: boolean;
  /** While no admin exists: the one-time code whose registrant becomes admin (the same on every node of a cluster). */
  setupCode: string | null;
  /** This node's name in the cluster (`ServerOptions.nodeId`). */
  nodeId: string;
  /** Live counts (connected users and devices, rooms, messages per minute, uptime). */
  status(): Promise<ServerStatus>;
  /**
   * Stops accepting, tells every client, lets in-flight frames finish, closes
   * connections (1001), stops listening and closes the database.
   */
  close(): Promise<void>;
  /** Resolves once the server has stopped: after `close()`, or an admin's `/shutdown`. */
  readonly stopped: Promise<{ by: 'close' | 'admin' }>;
}

interface Services {
  stores: Stores;
  settings: SettingsService;
  accounts: AccountService;
  conversations: ConversationService;
  bus: Bus;
}

/** How this process meets the other nodes: a bus, and where rate limits count. A single process: in memory. */
interface Cluster {
  bus: Bus;
  limiters: LimiterFactory;
}

async function openServices(target: StorageTarget, cluster: Cluster = { bus: new LocalBus(), limiters: memoryLimiters }): Promise<Services> {
  const stores = await openStores(target);
  const settings = new SettingsService(stores.settings);
  await settings.seedDefaults();
  const { bus, limiters } = cluster;
  const conversations = new ConversationService(stores.conversations, stores.accounts, bus, settings, Date.now, limiters);
  const accounts = new AccountService(stores.accounts, settings, (userId) => conversations.addToGeneral(userId), Date.now, limiters);
  return { stores, settings, accounts, conversations, bus };
}

/**
 * Joins the cluster when `options.redisUrl` is set: the Redis link, bus and
 * presence directory. Without it: the in-process bus.
 * @throws Error when Redis is given without a PostgreSQL database, or cannot be reached.
 */
async function joinCluster(options: ServerOptions, nodeId: string, log: Logger): Promise<Cluster & { link?: RedisLink; presence?: RedisPresence }> {
  if (options.redisUrl === undefined) return { bus: new LocalBus(), limiters: memoryLimiters };
  if (options.databaseUrl === undefined) throw new Error('a cluster (--redis-url) needs a shared PostgreSQL database (--database-url)');
  // ioredis loads only for a cluster: a single node does not pay for it at start-up.
  const { connectRedis } = await import('./cluster/redis.js');
  const link = await connectRedis(options.redisUrl, options.redisPrefix ?? 'conclave:', nodeId, log.child({ component: 'redis' }));
  try {
    const bus = new RedisBus(link, log.child({ component: 'bus' }));
    await bus.start();
    const presence = new RedisPresence(link, log.child({ component: 'presence' }));
    await presence.start();
    return { bus, limiters: redisLimiters(link), link, presence };
  } catch (err) {
    await link.close();
    throw err;
  }
}

/** The admin service without a running server (shell tasks), audited as `shell`. */
function shellAdmin(services: Services): AdminService {
  const { stores, accounts, conversations, settings } = services;
  return new AdminService(accounts, stores.accounts, conversations, settings, stores.audit, null);
}

/**
 * Starts Conclave: opens (creating) the data directory, seeds settings, makes
 * sure `#general` exists, loads or creates the TLS certificate and listens for
 * HTTPS and WebSocket on one port.
 * @throws Error when the port is taken, the data directory is unusable, TLS files are bad, or a `trustProxy` entry is not an address or subnet.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const log = createLogger(options.logLevel ?? 'info', options.prettyLogs ?? false);
  const host = options.host ?? '0.0.0.0';
  const trustedProxies = TrustedProxies.parse(options.trustProxy ?? []);
  const nodeId = options.nodeId ?? `${hostname()}-${process.pid}`;
  const cluster = await joinCluster(options, nodeId, log);
  const leaveCluster = async () => {
    await cluster.presence?.close();
    await cluster.link?.close();
  };
  let services: Services;
  try {
    services = await openServices({ dataDir: options.dataDir, databaseUrl: options.databaseUrl }, cluster);
  } catch (err) {
    await leaveCluster();
    throw err;
  }
  const { stores, accounts, conversations, bus, settings } = services;
  const startedAt = Date.now();
  try {
    await conversations.start();
    // On PostgreSQL the identity lives in the shared database, so every node presents the same server.
    const box = stores.dialect === 'postgres' ? await loadSecretBox(options.secretKey, options.dataDir) : undefined;
    const setupCode = await accounts.ensureSetupCode(box && sharedSetupCode(stores.secrets, box));
    const tls = await loadOrCreateCertificate(options.dataDir, { cert: options.tlsCert, key: options.tlsKey });
    const signer = box ? await sharedNoticeSigner(stores.secrets, box, Date.now()) : await NoticeSigner.load(options.dataDir);
    const metrics = options.metrics ? new Metrics({ node: nodeId }) : undefined;
    const blobs = new BlobService(stores.blobs, new DiskBlobStorage(options.blobDir ?? path.join(options.dataDir, 'blobs')), conversations, settings, metrics);
    const delivery = new DeliveryService(stores.delivery, conversations, bus, settings, metrics, Date.now, blobs);
    const devices = new DeviceService(stores.devices, stores.accounts, Date.now, cluster.limiters);
    const groups = new GroupService(stores.groups, conversations, devices, delivery, bus, Date.now, options.maxGroupSize);
    const hub = new Hub(bus, conversations, signer, Date.now, {
      presenceGraceMs: options.presenceGraceMs,
      presenceBurst: options.presenceBurst,
      presenceBurstWindowMs: options.presenceBurstWindowMs,
      directory: cluster.presence,
    });
    accounts.useDeviceLiveness((deviceId) => hub.connectionsOfDevice(deviceId).size > 0);
    // Sessions ended by any path, in any process, close their live connections within LIMITS.sessionRevocationCheckMs.
    const revocation = new RevocationWatch(stores.accounts, () => hub.all(), log.child({ component: 'sessions' }));
    const status = async (): Promise<ServerStatus> => ({
      registeredUsers: await stores.accounts.countUsers(),
      onlineUsers: (await hub.online()).length,
      onlineDevices: hub.deviceCount(),
      connections: hub.connectionCount(),
      rooms: await conversations.roomCount(),
      messagesPerMinute: hub.messagesPerMinute(),
      uptimeMs: Date.now() - startedAt,
    });
    let shutdownTimer: NodeJS.Timeout | undefined;
    let stoppedBy: 'close' | 'admin' = 'close';
    let close: () => Promise<void> = async () => undefined;
    // Events for the whole cluster that are not about connections: an admin's /shutdown stops every node; a changed setting applies at once.
    const unsubscribeServer = bus.subscribe((event) => {
      if (event.kind === 'settings') settings.forget(event.key);
      if (event.kind !== 'shutdown') return;
      clearTimeout(shutdownTimer);
      shutdownTimer = setTimeout(() => {
        stoppedBy = 'admin';
        void close();
      }, event.delayMs);
    });
    const runtime: AdminRuntime = {
      hub,
      bus,
      log: log.child({ component: 'admin' }),
      status,
      requestShutdown: (delayMs) => bus.publish({ kind: 'shutdown', delayMs }),
    };
    const admin = new AdminService(accounts, stores.accounts, conversations, settings, stores.audit, runtime);
    const stopSweep = await startRetentionSweep({ delivery, blobs, settings, log, now: options.sweepClock ?? Date.now });
    let ready = false;
    const health = async (): Promise<Record<string, 'ok' | 'unreachable'>> => {
      const database = await stores.ping().then(
        () => 'ok' as const,
        () => 'unreachable' as const,
      );
      return cluster.link ? { database, redis: cluster.link.healthy() ? 'ok' : 'unreachable' } : { database };
    };
    const app = createHttpApp({ tls, log: log.child({ component: 'http' }), isReady: () => ready, health, accounts, webRoot: options.webRoot, metrics, blobs });
    const gateway = attachGateway(
      app.server,
      { accounts, admin, settings, conversations, delivery, devices, groups, hub, serverName: 'conclave/0.1', noticeKey: signer.publicKey, trustedProxies },
      log.child({ component: 'ws' }),
      (req) => sessionCookieToken(req, (header) => app.parseCookie(header)),
      metrics,
    );
    await app.listen({ host, port: options.port ?? 8443 });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : (options.port ?? 8443);
    const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    ready = true;
    revocation.start();
    log.info({ port, host, node: nodeId, database: stores.dialect, cluster: cluster.link !== undefined }, 'server listening');

    let closing: Promise<void> | undefined;
    let markStopped!: (value: { by: 'close' | 'admin' }) => void;
    const stopped = new Promise<{ by: 'close' | 'admin' }>((resolve) => (markStopped = resolve));
    close = () => {
      closing ??= (async () => {
        ready = false;
        clearTimeout(shutdownTimer);
        stopSweep();
        await revocation.stop();
        log.info({ by: stoppedBy }, 'shutting down');
        // An admin's /shutdown has already told everyone, with who and when.
        if (stoppedBy !== 'admin') hub.notice({ kind: 'server', text: 'The server is shutting down; your client reconnects when it is back.' });
        // Stops accepting, lets every frame already read finish (appends are durable before their ack), then closes.
        await gateway.close(CLOSE_CODES.goingAway, 'server shutting down');
        hub.stop();
        unsubscribeServer();
        await app.close();
        await leaveCluster();
        await stores.close();
        log.info('stopped');
        log.flush?.();
        markStopped({ by: stoppedBy });
      })();
      return closing;
    };
    return {
      port,
      url: `https://${shownHost}:${port}`,
      wsUrl: `wss://${shownHost}:${port}${WS_PATH}`,
      fingerprint: tls.fingerprint,
      selfSigned: tls.selfSigned,
      setupCode,
      nodeId,
      status,
      close: () => close(),
      stopped,
    };
  } catch (err) {
    await stores.close();
    await leaveCluster();
    throw err;
  }
}

/**
 * Runs admin work on a data directory or a PostgreSQL database without a
 * server (the shell's `conclave admin …`), whether or not a server is running
 * on it (SQLite WAL with a busy timeout; PostgreSQL takes concurrent writers).
 * Settings changed here reach running nodes within their one-second cache.
 * Audited as `shell`.
 */
/** Where shell admin work runs: a data directory (its SQLite database), or a `StorageTarget` (e.g. a PostgreSQL URL). */
export type ShellTarget = string | StorageTarget;

async function withShell<T>(target: ShellTarget, task: (admin: AdminService, services: Services) => Promise<T>): Promise<T> {
  const services = await openServices(typeof target === 'string' ? { dataDir: target } : target);
  try {
    await services.conversations.start();
    return await task(shellAdmin(services), services);
  } finally {
    await services.stores.close();
  }
}

/**
 * Runs one admin command from the shell (`list_users`, `promote`, `set`, …;
 * not those that need a running server: notices, shutdown, status, logout).
 * @throws ServiceError as `AdminService.run`
 */
export function runShellAdmin(target: ShellTarget, command: AdminCommand): Promise<AdminResult> {
  return withShell(target, (admin) => admin.run({ kind: 'shell' }, command));
}

/**
 * Creates a user in a data directory, whether or not a server is running on it.
 * The user joins `#general`.
 * @throws ServiceError USERNAME_INVALID, PASSWORD_WEAK, USERNAME_TAKEN
 */
export async function addUser(input: StorageTarget & { username: string; password: string; admin?: boolean }): Promise<UserInfo> {
  return withShell(input, async (admin, { stores, accounts }) => {
    const user = await accounts.createUser({ username: input.username, password: input.password, role: input.admin ? 'admin' : 'member' });
    // An admin now exists: the printed setup code must not make a second one.
    if (input.admin) await stores.accounts.deleteUnusedInvites('setup');
    await admin.record({ kind: 'shell' }, 'add_user', user.username, `role ${user.role}`);
    return user;
  });
}

/**
 * Sets a new password for a user and ends all their sessions (recovery).
 * @returns how many sessions were ended.
 * @throws ServiceError NO_SUCH_USER, PASSWORD_WEAK
 */
export async function resetPassword(target: ShellTarget, username: string, password: string): Promise<{ user: UserInfo; sessions: number }> {
  return withShell(target, async (admin, { accounts }) => {
    const result = await accounts.resetPassword(username, password);
    await admin.record({ kind: 'shell' }, 'reset_password', result.user.username, `${result.sessions} session(s) ended`);
    return result;
  });
}

/**
 * Sets the registration policy (`invite`, `open` or `closed`) in a data directory.
 * @throws ServiceError SETTING_INVALID on an unknown policy
 */
export async function setRegistrationPolicy(target: ShellTarget, policy: string): Promise<void> {
  await runShellAdmin(target, { action: 'set', key: 'registration', value: policy });
}
