/**
 * Reconnect delay bounds, in ms: `maxMs` while the app is hidden (a
 * background tab, a locked phone), `visibleMaxMs` while the user looks at it,
 * so a dropped network comes back within seconds when someone is watching.
 */
export const BACKOFF = { initialMs: 500, maxMs: 30_000, visibleMaxMs: 5_000 } as const;

/**
 * Delay before reconnect attempt `attempt` (0 for the first retry), in ms:
 * exponential from `BACKOFF.initialMs`, capped at `maxMs`, with "equal
 * jitter" (uniform in [d/2, d]) so a server restart does not bring every
 * client back in the same millisecond.
 *
 * @param random a source in [0, 1), injectable for tests.
 * @param maxMs the cap (default `BACKOFF.maxMs`; `BACKOFF.visibleMaxMs` while visible).
 */
export function backoffDelay(attempt: number, random: () => number = Math.random, maxMs: number = BACKOFF.maxMs): number {
  const exp = Math.min(maxMs, BACKOFF.initialMs * 2 ** Math.min(attempt, 16));
  return Math.round(exp / 2 + random() * (exp / 2));
}
