/**
 * The load phase shared by the fan-out benchmarks (`fanout.ts` against
 * Conclave, `ngircd.ts` against ngIRCd), so both offer the same load shape
 * and time deliveries the same way.
 */
import { percentile, procSample, round } from './common.js';

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Calls `fire(n)` for n = 0 … `messages` − 1 at an aggregate `rate` per
 * second (message n is due at n / rate s; when the loop is late, every message
 * due is fired at once).
 * @returns how long offering took, s
 */
export async function offerAt(messages: number, rate: number, fire: (n: number) => void): Promise<number> {
  const started = performance.now();
  const intervalMs = 1000 / rate;
  for (let n = 0; n < messages; ) {
    const due = Math.min(messages, Math.floor((performance.now() - started) / intervalMs) + 1);
    while (n < due) fire(n++);
    if (n < messages) await sleep(Math.max(1, Math.min(intervalMs, 10)));
  }
  return (performance.now() - started) / 1000;
}

/**
 * Send→receive latencies of up to `expected` deliveries (ms, from
 * `performance.now()` timestamps), and when the last one arrived.
 */
export class DeliveryClock {
  private readonly latencies: Float64Array;
  /** Deliveries recorded (may exceed `expected`; only the first `expected` are kept). */
  delivered = 0;
  /** `performance.now()` of the last delivery, 0 before the first. */
  lastAt = 0;

  constructor(readonly expected: number) {
    this.latencies = new Float64Array(expected);
  }

  /** Records one delivery of a message sent at `t0` (`performance.now()`). */
  record(t0: number): void {
    const now = performance.now();
    if (this.delivered < this.expected) this.latencies[this.delivered] = now - t0;
    this.delivered++;
    this.lastAt = now;
  }

  /** Waits (polling every 20 ms) until `target` deliveries arrived or `ms` passed. */
  async drain(target: number, ms: number): Promise<void> {
    const deadline = performance.now() + ms;
    while (this.delivered < target && performance.now() < deadline) await sleep(20);
  }

  /**
   * The figures of a phase that started at `started` (`performance.now()`):
   * deliveries per second from the start to the last delivery, p50/p99/max latency in ms.
   */
  figures(started: number): { deliveriesPerSec: number; p50Ms: number; p99Ms: number; maxMs: number; windowMs: number } {
    const end = this.delivered > 0 ? this.lastAt : performance.now();
    const windowMs = Math.max(1, end - started);
    const samples = this.latencies.subarray(0, Math.min(this.delivered, this.expected));
    return {
      deliveriesPerSec: round((this.delivered / windowMs) * 1000),
      p50Ms: percentile(samples, 50),
      p99Ms: percentile(samples, 99),
      maxMs: percentile(samples, 100),
      windowMs,
    };
  }
}

/**
 * Samples a process's RSS every 250 ms from now on, and its CPU between now
 * and `stop()`.
 * @returns `stop()`, which gives the peak RSS (MiB, including a last sample),
 *   the RSS at the start and the CPU in between (% of one core)
 */
export function watchProcess(pid: number): { stop(): { rssPeakMiB: number; rssBeforeMiB: number; cpuPct: number } } {
  const before = procSample(pid);
  let peak = before.rssMiB;
  const timer = setInterval(() => (peak = Math.max(peak, procSample(pid).rssMiB)), 250);
  return {
    stop() {
      clearInterval(timer);
      const after = procSample(pid);
      return {
        rssPeakMiB: round(Math.max(peak, after.rssMiB)),
        rssBeforeMiB: before.rssMiB,
        cpuPct: round(((after.cpuMs - before.cpuMs) / Math.max(1, after.at - before.at)) * 100),
      };
    },
  };
}
