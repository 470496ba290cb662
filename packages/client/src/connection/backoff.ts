/** Reconnect delay bounds, in ms. */
export const BACKOFF = { initialMs: 500, maxMs: 30_000 } as const;

/**
 * Delay before reconnect attempt `attempt` (0 for the first retry), in ms:
 * exponential from `BACKOFF.initialMs`, capped at `BACKOFF.maxMs`, with "equal
 * jitter" (uniform in [d/2, d]) so a server restart does not bring every
 * client back in the same millisecond.
 *
 * @param random a source in [0, 1), injectable for tests.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const exp = Math.min(BACKOFF.maxMs, BACKOFF.initialMs * 2 ** Math.min(attempt, 16));
  return Math.round(exp / 2 + random() * (exp / 2));
}
