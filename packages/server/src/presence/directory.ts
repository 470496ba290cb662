import type { Logger } from 'pino';
import type { RedisLink } from '../cluster/redis.js';

/** What the other nodes say of a user: a device connected, only in a logout grace period, or nothing. */
export type PresenceElsewhere = 'online' | 'grace' | 'none';

/** One user as the other nodes of the cluster see them. */
export interface RemotePresence {
  username: string;
  /** Devices connected on other nodes (0: in a grace period there). */
  devices: number;
}

/**
 * Who is connected to the other nodes of a cluster. Each node writes its own
 * users (`set`); reads merge what every live node wrote. A single process has
 * no other node: `LOCAL_PRESENCE`.
 */
export interface PresenceDirectory {
  /**
   * Records a user of this node: `devices` connected (a count ≥ 1), `0` while
   * in the logout grace period, or `'gone'` once they are not online here.
   * Fire and forget: a failure is logged; the entry is corrected at the user's next change.
   */
  set(user: { userId: string; username: string }, devices: number | 'gone'): void;
  /** Users connected to (or in grace on) other live nodes, by user id. */
  elsewhere(): Promise<Map<string, RemotePresence>>;
  /** What other live nodes say of one user. */
  seenElsewhere(userId: string): Promise<PresenceElsewhere>;
  /** Removes this node's entries (a clean shutdown). */
  close(): Promise<void>;
}

/** The directory of a single process: nobody is elsewhere. */
export const LOCAL_PRESENCE: PresenceDirectory = {
  set: () => undefined,
  elsewhere: async () => new Map(),
  seenElsewhere: async () => 'none',
  close: async () => undefined,
};

/** How often a node says it is alive, ms. */
const HEARTBEAT_MS = 5_000;
/** A node not heard from for this long is taken as dead: its users are offline, ms. */
const NODE_TTL_MS = 15_000;

/**
 * Cluster-wide presence in Redis. Node `n` keeps a hash `<prefix>presence:<n>`
 * (user id → `{"username":…, "devices":…}`) and its heartbeat time in the
 * sorted set `<prefix>nodes`. A reader takes the nodes heard from within
 * `NODE_TTL_MS` and merges their hashes; a node that died (SIGKILL, power) is
 * left out after that time, and its hash expires by itself soon after.
 */
export class RedisPresence implements PresenceDirectory {
  private readonly nodesKey: string;
  private readonly ownKey: string;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly link: RedisLink,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.nodesKey = `${link.prefix}nodes`;
    this.ownKey = `${link.prefix}presence:${link.nodeId}`;
    this.timer = setInterval(() => void this.heartbeat(), HEARTBEAT_MS);
    this.timer.unref();
  }

  /**
   * Clears what an earlier process of the same node id left, then says this node is alive.
   * @throws Error when Redis does not answer.
   */
  async start(): Promise<void> {
    await this.link.command.del(this.ownKey);
    await this.heartbeat(true);
  }

  set(user: { userId: string; username: string }, devices: number | 'gone'): void {
    const write =
      devices === 'gone'
        ? this.link.command.hdel(this.ownKey, user.userId)
        : this.link.command.hset(this.ownKey, user.userId, JSON.stringify({ username: user.username, devices }));
    write.catch((err: unknown) => this.log.warn({ err: { message: (err as Error).message } }, 'presence write failed'));
  }

  async elsewhere(): Promise<Map<string, RemotePresence>> {
    const merged = new Map<string, RemotePresence>();
    for (const entries of await this.otherHashes((key, pipeline) => pipeline.hgetall(key))) {
      for (const [userId, text] of Object.entries((entries ?? {}) as Record<string, string>)) {
        const entry = parseEntry(text);
        if (!entry) continue;
        const known = merged.get(userId);
        merged.set(userId, { username: entry.username, devices: (known?.devices ?? 0) + entry.devices });
      }
    }
    return merged;
  }

  async seenElsewhere(userId: string): Promise<PresenceElsewhere> {
    let seen: PresenceElsewhere = 'none';
    for (const text of await this.otherHashes((key, pipeline) => pipeline.hget(key, userId))) {
      const entry = typeof text === 'string' ? parseEntry(text) : undefined;
      if (entry?.devices) return 'online';
      if (entry) seen = 'grace';
    }
    return seen;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await Promise.allSettled([this.link.command.del(this.ownKey), this.link.command.zrem(this.nodesKey, this.link.nodeId)]);
  }

  /** Runs one read per live other node's hash in one round trip; returns the results in order. */
  private async otherHashes(read: (key: string, pipeline: ReturnType<RedisLink['command']['pipeline']>) => unknown): Promise<unknown[]> {
    const nodes = (await this.link.command.zrangebyscore(this.nodesKey, this.now() - NODE_TTL_MS, '+inf')).filter((n) => n !== this.link.nodeId);
    if (nodes.length === 0) return [];
    const pipeline = this.link.command.pipeline();
    for (const node of nodes) read(`${this.link.prefix}presence:${node}`, pipeline);
    const results = (await pipeline.exec()) ?? [];
    return results.map(([err, value]) => (err ? undefined : value));
  }

  private async heartbeat(strict = false): Promise<void> {
    const now = this.now();
    try {
      await this.link.command
        .multi()
        .zadd(this.nodesKey, now, this.link.nodeId)
        .pexpire(this.ownKey, NODE_TTL_MS * 2)
        // Dead nodes' heartbeats are dropped after their hashes have expired.
        .zremrangebyscore(this.nodesKey, '-inf', now - NODE_TTL_MS * 4)
        .exec();
    } catch (err) {
      if (strict) throw err;
      this.log.warn({ err: { message: (err as Error).message } }, 'presence heartbeat failed');
    }
  }
}

function parseEntry(text: string): RemotePresence | undefined {
  try {
    const v = JSON.parse(text) as Partial<RemotePresence>;
    return typeof v.username === 'string' && typeof v.devices === 'number' ? { username: v.username, devices: v.devices } : undefined;
  } catch {
    return undefined;
  }
}
