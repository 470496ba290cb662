import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** How long a command waits for Redis before it fails, ms (a node must not hang on a dead Redis). */
const COMMAND_TIMEOUT_MS = 5_000;

/**
 * A node's connections to the cluster's Redis: `command` for commands and
 * publishing, `subscriber` for the bus channel (a Redis connection in
 * subscribe mode takes no other command). Keys and channels of this cluster
 * start with `prefix`, so several clusters (or test runs) share one Redis.
 */
export interface RedisLink {
  readonly command: Redis;
  readonly subscriber: Redis;
  /** Prefix of every key and channel, e.g. `conclave:`. */
  readonly prefix: string;
  /** This process's name in the cluster (presence, metrics' `node` label). */
  readonly nodeId: string;
  /** True while both connections are up (for `/healthz`). */
  healthy(): boolean;
  /** Closes both connections (pending commands are answered first). */
  close(): Promise<void>;
}

/**
 * Connects to Redis (`redis://[user:password@]host:port[/db]`, or `rediss://`
 * for TLS) twice, and waits until both answer. Reconnects by itself after a
 * drop (ioredis' retry); each drop and return is logged once, without the URL
 * (it may carry a password).
 * @throws Error when Redis cannot be reached within `COMMAND_TIMEOUT_MS`.
 */
export async function connectRedis(url: string, prefix: string, nodeId: string, log: Logger): Promise<RedisLink> {
  const open = (role: string): Redis => {
    const redis = new Redis(url, { lazyConnect: true, commandTimeout: COMMAND_TIMEOUT_MS, maxRetriesPerRequest: 2, connectTimeout: COMMAND_TIMEOUT_MS });
    let down = false;
    redis.on('error', (err: Error) => {
      if (down) return;
      down = true;
      log.warn({ role, err: { message: err.message } }, 'redis connection lost; retrying');
    });
    redis.on('ready', () => {
      if (!down) return;
      down = false;
      log.info({ role }, 'redis connection back');
    });
    return redis;
  };
  const command = open('command');
  const subscriber = open('subscriber');
  try {
    await Promise.all([command.connect(), subscriber.connect()]);
  } catch (err) {
    command.disconnect();
    subscriber.disconnect();
    throw new Error(`cannot reach Redis: ${(err as Error).message}`, { cause: err });
  }
  return {
    command,
    subscriber,
    prefix,
    nodeId,
    healthy: () => command.status === 'ready' && subscriber.status === 'ready',
    async close() {
      await Promise.allSettled([command.quit(), subscriber.quit()]);
    },
  };
}
