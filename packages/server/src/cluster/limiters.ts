import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RedisLink } from './redis.js';

/**
 * Makes the rate limiters of the login throttle, room creation and KeyPackage
 * claims (rate-limiter-flexible): in process memory on a single node, in
 * Redis in a cluster so a limit holds across every node (a guesser spreading
 * attempts over the nodes gets no more than from one).
 * @param name what the limiter counts, unique per limiter (part of its Redis keys), e.g. `login-address-900`
 * @param options `points` per `duration` (seconds)
 */
export type LimiterFactory = (name: string, options: { points: number; duration: number }) => RateLimiterAbstract;

/** Limiters of a single process. */
export const memoryLimiters: LimiterFactory = (name, options) => new RateLimiterMemory({ keyPrefix: name, ...options });

/** Limiters shared by the nodes of a cluster, under `<prefix>limit:<name>` keys. */
export function redisLimiters(link: RedisLink): LimiterFactory {
  return (name, options) => new RateLimiterRedis({ storeClient: link.command, keyPrefix: `${link.prefix}limit:${name}`, ...options });
}
