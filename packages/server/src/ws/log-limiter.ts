import { LIMITS } from '@conclave/protocol';
import type { Logger } from 'pino';

/**
 * A server-wide token bucket for connection log lines (opened, refusals,
 * closing): `LIMITS.connectionLogLinesPerSecond` sustained,
 * `LIMITS.connectionLogLinesBurst` burst. Lines over it are dropped and
 * counted; the next line written carries `suppressedLines` (how many were
 * dropped since the last one written), and `onSuppressed` is told of each
 * (the `conclave_log_lines_suppressed_total` counter). So however many
 * connections an attacker opens or frames it sends, the log grows by a bounded
 * number of lines per second.
 */
export class LogLimiter {
  private tokens: number;
  private last: number;
  private suppressed = 0;

  constructor(
    private readonly onSuppressed: () => void = () => undefined,
    private readonly perSecond: number = LIMITS.connectionLogLinesPerSecond,
    private readonly burst: number = LIMITS.connectionLogLinesBurst,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /**
   * Writes `msg` with `fields` at `level` if the bucket allows, else counts it.
   * @returns true when the line was written
   */
  write(log: Logger, level: 'info' | 'warn', fields: Record<string, unknown>, msg: string): boolean {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < 1) {
      this.suppressed += 1;
      this.onSuppressed();
      return false;
    }
    this.tokens -= 1;
    const dropped = this.suppressed;
    this.suppressed = 0;
    log[level](dropped > 0 ? { ...fields, suppressedLines: dropped } : fields, msg);
    return true;
  }
}
