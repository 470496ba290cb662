import { WS_PATH } from '@conclave/protocol';
import { AccountService } from './accounts/service.js';
import type { UserInfo } from '@conclave/protocol';
import { LocalBus } from './bus/local.js';
import { ConversationService } from './conversations/service.js';
import { DeliveryService } from './delivery/service.js';
import { DeviceService } from './devices/service.js';
import { GroupService } from './groups/service.js';
import { createHttpApp } from './http/app.js';
import { sessionCookieToken } from './http/session.js';
import { createLogger, type LogLevel } from './logger.js';
import { Metrics } from './metrics/metrics.js';
import { Hub } from './presence/hub.js';
import { SettingsService } from './settings/service.js';
import { openStores, type Stores } from './storage/index.js';
import { loadOrCreateCertificate } from './tls/certificate.js';
import { attachGateway } from './ws/gateway.js';
import { CLOSE_CODES } from '@conclave/protocol';

/** How to run a server. Paths are file system paths; `port` 0 picks a free one. */
export interface ServerOptions {
  /** Address to listen on; default `0.0.0.0`. */
  host?: string;
  /** TCP port for HTTPS and WebSocket; default 8443. */
  port?: number;
  /** Where the database and the self-signed certificate live; created when missing. */
  dataDir: string;
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
  /** While no admin exists: the one-time code whose registrant becomes admin. */
  setupCode: string | null;
  /** Tells every client, closes connections (1001), stops listening and closes the database. */
  close(): Promise<void>;
}

interface Services {
  stores: Stores;
  settings: SettingsService;
  accounts: AccountService;
  conversations: ConversationService;
  bus: LocalBus;
}

async function openServices(dataDir: string): Promise<Services> {
  const stores = await openStores(dataDir);
  const settings = new SettingsService(stores.settings);
  await settings.seedDefaults();
  const bus = new LocalBus();
  const conversations = new ConversationService(stores.conversations, stores.accounts, bus);
  const accounts = new AccountService(stores.accounts, settings, (userId) => conversations.addToGeneral(userId));
  return { stores, settings, accounts, conversations, bus };
}

/**
 * Starts Conclave: opens (creating) the data directory, seeds settings, makes
 * sure `#general` exists, loads or creates the TLS certificate and listens for
 * HTTPS and WebSocket on one port.
 * @throws Error when the port is taken, the data directory is unusable, or TLS files are bad.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const log = createLogger(options.logLevel ?? 'info', options.prettyLogs ?? false);
  const host = options.host ?? '0.0.0.0';
  const services = await openServices(options.dataDir);
  const { stores, accounts, conversations, bus } = services;
  try {
    await conversations.start();
    const setupCode = await accounts.ensureSetupCode();
    const tls = await loadOrCreateCertificate(options.dataDir, { cert: options.tlsCert, key: options.tlsKey });
    const metrics = options.metrics ? new Metrics() : undefined;
    const delivery = new DeliveryService(stores.delivery, conversations, bus, metrics);
    const devices = new DeviceService(stores.devices, stores.accounts);
    const groups = new GroupService(stores.groups, conversations, devices, delivery, bus);
    const hub = new Hub(bus, conversations);
    let ready = false;
    const app = createHttpApp({ tls, log: log.child({ component: 'http' }), isReady: () => ready, accounts, webRoot: options.webRoot, metrics });
    const gateway = attachGateway(
      app.server,
      { accounts, conversations, delivery, devices, groups, hub, serverName: 'conclave/0.1' },
      log.child({ component: 'ws' }),
      (req) => sessionCookieToken(req, (header) => app.parseCookie(header)),
      metrics,
    );
    await app.listen({ host, port: options.port ?? 8443 });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : (options.port ?? 8443);
    const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    ready = true;
    log.info({ port, host }, 'server listening');

    let closing: Promise<void> | undefined;
    return {
      port,
      url: `https://${shownHost}:${port}`,
      wsUrl: `wss://${shownHost}:${port}${WS_PATH}`,
      fingerprint: tls.fingerprint,
      selfSigned: tls.selfSigned,
      setupCode,
      close() {
        closing ??= (async () => {
          ready = false;
          log.info('shutting down');
          hub.notice({ kind: 'server', text: 'The server is shutting down; reconnecting when it is back.' });
          await gateway.close(CLOSE_CODES.goingAway, 'server shutting down');
          hub.stop();
          await app.close();
          await stores.close();
          log.info('stopped');
          log.flush?.();
        })();
        return closing;
      },
    };
  } catch (err) {
    await stores.close();
    throw err;
  }
}

/**
 * Creates a user in a data directory, whether or not a server is running on it
 * (SQLite WAL with a busy timeout). The user joins `#general`.
 * @throws ServiceError USERNAME_INVALID, PASSWORD_WEAK, USERNAME_TAKEN
 */
export async function addUser(input: { dataDir: string; username: string; password: string; admin?: boolean }): Promise<UserInfo> {
  const { stores, accounts } = await openServices(input.dataDir);
  try {
    const user = await accounts.createUser({ username: input.username, password: input.password, role: input.admin ? 'admin' : 'member' });
    // An admin now exists: the printed setup code must not make a second one.
    if (input.admin) await stores.accounts.deleteUnusedInvites('setup');
    return user;
  } finally {
    await stores.close();
  }
}

/**
 * Sets the registration policy (`invite`, `open` or `closed`) in a data directory.
 * @throws Error on an unknown policy
 */
export async function setRegistrationPolicy(dataDir: string, policy: string): Promise<void> {
  const { stores, settings } = await openServices(dataDir);
  try {
    await settings.setRegistrationPolicy(policy);
  } finally {
    await stores.close();
  }
}
