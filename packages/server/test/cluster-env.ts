import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { addUser, type ServerOptions } from '../src/index.js';
import { PASSWORD, tempDir } from './helpers.js';
import { freshPostgres, type FreshPostgres } from './pg-database.js';

/** The Redis tests use (override with env `CONCLAVE_TEST_REDIS_URL`). */
export const TEST_REDIS_URL = process.env.CONCLAVE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const NODE_SCRIPT = fileURLToPath(new URL('./cluster-node.ts', import.meta.url));

/** A running node process of a test cluster. */
export interface ClusterNode {
  wsUrl: string;
  url: string;
  setupCode: string | null;
  nodeId: string;
  process: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  /** SIGKILL: the node dies without closing anything (its Redis presence expires, its sockets drop). */
  kill(): Promise<void>;
  /** SIGTERM: a clean shutdown. */
  stop(): Promise<void>;
}

/**
 * A throw-away cluster: a fresh PostgreSQL database, a Redis key prefix of its
 * own, one data directory (the nodes share its TLS certificate and secret key
 * file, as nodes given the same `--tls-cert` and `CONCLAVE_SECRET_KEY` do),
 * and node processes started on demand. `dispose()` stops the nodes, drops the
 * database and deletes the prefix's keys.
 */
export interface TestCluster {
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  dataDir: string;
  /** Starts a node (one at a time: the first creates the certificate the next ones load). */
  node(name: string, options?: Partial<ServerOptions>): Promise<ClusterNode>;
  /** Creates users in the shared database, as `conclave admin add-user --database-url` does. */
  addUsers(...names: string[]): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * Starts a test cluster's shared services (no node yet).
 * @param redisUrl where the nodes reach Redis (default `TEST_REDIS_URL`; a test may put a `RedisCable` in between)
 */
export async function startCluster(redisUrl = TEST_REDIS_URL): Promise<TestCluster> {
  const database: FreshPostgres = await freshPostgres();
  const redisPrefix = `conclave-t-${randomBytes(6).toString('hex')}:`;
  const dataDir = tempDir('cluster');
  const nodes: ClusterNode[] = [];
  const base = { dataDir, databaseUrl: database.url, redisUrl, redisPrefix };
  return {
    ...base,
    async node(name, options = {}) {
      const node = await spawnNode({ ...base, nodeId: name, ...options });
      nodes.push(node);
      return node;
    },
    async addUsers(...names) {
      for (const username of names) await addUser({ dataDir, databaseUrl: database.url, username, password: PASSWORD });
    },
    async dispose() {
      await Promise.all(nodes.map((n) => n.stop()));
      await database.drop();
      await deleteKeys(redisPrefix);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function spawnNode(options: Partial<ServerOptions>): Promise<ClusterNode> {
  const child = spawn(process.execPath, ['--import', 'tsx', NODE_SCRIPT], {
    env: { ...process.env, CONCLAVE_TEST_NODE: JSON.stringify(options) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`node ${options.nodeId} exited with ${code} before listening`)));
  });
  const info = JSON.parse(line) as { wsUrl: string; url: string; setupCode: string | null; nodeId: string };
  const signal = async (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    await exited;
  };
  return { ...info, process: child, exited, kill: () => signal('SIGKILL'), stop: () => signal('SIGTERM') };
}

/**
 * A TCP relay between the nodes and the test Redis that a test can cut
 * (every connection dropped, new ones refused: Redis is gone for the nodes)
 * and mend (the same port accepts again), to see a cluster through a Redis outage.
 */
export class RedisCable {
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;

  private constructor(readonly port: number) {}

  /** Opens the relay on a free port of 127.0.0.1. */
  static async open(): Promise<RedisCable> {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const cable = new RedisCable(port);
    await cable.mend();
    return cable;
  }

  /** `redis://127.0.0.1:<port>`: give it to the nodes instead of the real Redis. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Redis goes away: every relayed connection is dropped and new ones are refused. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Redis is back on the same port (nothing when it is not cut). */
  async mend(): Promise<void> {
    if (this.server) return;
    const target = new URL(TEST_REDIS_URL);
    const server = createServer((client) => {
      const upstream = connect(Number(target.port || 6379), target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => {
          this.sockets.delete(s);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', resolve);
    });
    this.server = server;
  }
}

/** Deletes every key under `prefix` on the Redis of `redisUrl` (SCAN, so a shared Redis is not blocked). The benchmarks use it too. */
export async function deleteKeys(prefix: string, redisUrl = TEST_REDIS_URL): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
