/** An opaque timer handle returned by a `Clock`. */
export type TimerHandle = unknown;

/**
 * Time source and timers, injectable so tests can drive time and so the core
 * needs no platform import. Times are milliseconds.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer; a handle already fired or cleared is ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock, from the `setTimeout` every JavaScript runtime has. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};
