import { LIMITS } from '@conclave/protocol';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { memoryLimiters, type LimiterFactory } from '../cluster/limiters.js';
import { ServiceError } from '../errors.js';
import type { LoginLimits } from '../settings/service.js';

/** A password check reserved by `LoginThrottle.reserve`: it stays counted as a failure unless given back. */
export interface Reservation {
  /** The password (or invite code) was right: the attempt is given back and, for a login, that account's lock-outs from that address are forgotten. */
  succeeded(): Promise<void>;
}

/** The counters for one window length (a setting, so one set per length in use). */
interface Counters {
  /** Password failures from one address, any account. */
  byAddress: RateLimiterAbstract;
  /** Password failures for one account from one address (key: `account address`). */
  byAccountAddress: RateLimiterAbstract;
  /** Password failures for one account from every address. */
  byAccount: RateLimiterAbstract;
}

/** Counts only: points are compared with the settings here, so a changed setting applies to the counts already made. */
const UNLIMITED = Number.MAX_SAFE_INTEGER;

/**
 * Password-guess throttling for `login` and `register` (issue 13, findings 1
 * and 6). An attempt is counted *before* the password (or invite code) is
 * checked and given back when it was right, so however many arrive at once, at
 * most the configured number per window is ever checked. Three counters, each
 * per `login_window_minutes`:
 * - per account and address (`login_max_failures_per_account`): the first to
 *   stop a guesser; when it runs out, that address waits for that account for
 *   the window, then twice as long at each further lock-out within
 *   `LIMITS.loginBackoffMaxMs` (capped there) — the owner elsewhere is unaffected;
 * - per address, any account (`login_max_failures_per_address`);
 * - per account from all addresses (`login_max_failures_per_account_all_addresses`),
 *   the slower ceiling against guesses spread over many addresses.
 * Token resumes are not throttled here (a session token has 256 random bits).
 * Counters are in memory (per process, reset by a restart), or in Redis when
 * the server is one node of a cluster (shared by every node).
 */
export class LoginThrottle {
  private readonly counters = new Map<number, Counters>();
  /** Lock-outs of one account from one address within `LIMITS.loginBackoffMaxMs`. */
  private readonly lockouts: RateLimiterAbstract;

  /** @param limiters where the counts live (default: this process's memory) */
  constructor(
    private readonly limits: () => Promise<LoginLimits>,
    private readonly limiters: LimiterFactory = memoryLimiters,
  ) {
    this.lockouts = limiters('login-lockouts', { points: UNLIMITED, duration: LIMITS.loginBackoffMaxMs / 1000 });
  }

  /**
   * Reserves one password check from `address`, for `accountKey` (the
   * lower-cased username; null for a registration, counted per address only).
   * @returns the reservation: call `succeeded()` when the password or code was right; otherwise it stays counted.
   * @throws ServiceError LOGIN_THROTTLED (its message says when to retry); nothing is counted then
   */
  async reserve(address: string, accountKey: string | null): Promise<Reservation> {
    const limits = await this.limits();
    const c = this.countersFor(limits.windowMs);
    const pairKey = accountKey === null ? null : `${accountKey} ${address}`;
    const taken: Array<[RateLimiterAbstract, string]> = [];
    const giveBack = () => Promise.all(taken.map(([limiter, key]) => limiter.reward(key, 1)));
    if (pairKey !== null) {
      const pair = await count(c.byAccountAddress, pairKey);
      if (pair.consumedPoints > limits.perAccountAddress) {
        // The first refusal of a window starts a lock-out; later ones find the key blocked.
        const wait = pair.consumedPoints === limits.perAccountAddress + 1 ? await this.lockOut(c, pairKey, limits.windowMs) : pair.msBeforeNext;
        throw throttled(wait);
      }
      taken.push([c.byAccountAddress, pairKey]);
    }
    const fromAddress = await count(c.byAddress, address);
    taken.push([c.byAddress, address]);
    if (fromAddress.consumedPoints > limits.perAddress) {
      await giveBack();
      throw throttled(fromAddress.msBeforeNext);
    }
    if (accountKey !== null) {
      const forAccount = await count(c.byAccount, accountKey);
      taken.push([c.byAccount, accountKey]);
      if (forAccount.consumedPoints > limits.perAccount) {
        await giveBack();
        throw throttled(forAccount.msBeforeNext);
      }
    }
    return {
      succeeded: async () => {
        await giveBack();
        if (pairKey !== null) await Promise.all([c.byAccountAddress.delete(pairKey), this.lockouts.delete(pairKey)]);
      },
    };
  }

  /** Blocks `pairKey` for the window doubled per earlier lock-out (at most `LIMITS.loginBackoffMaxMs`). @returns the wait, ms. */
  private async lockOut(c: Counters, pairKey: string, windowMs: number): Promise<number> {
    const earlier = (await count(this.lockouts, pairKey)).consumedPoints - 1;
    const wait = Math.min(LIMITS.loginBackoffMaxMs, windowMs * 2 ** Math.min(earlier, 30));
    await c.byAccountAddress.block(pairKey, Math.ceil(wait / 1000));
    return wait;
  }

  private countersFor(windowMs: number): Counters {
    let c = this.counters.get(windowMs);
    if (!c) {
      const options = { points: UNLIMITED, duration: Math.ceil(windowMs / 1000) };
      c = {
        byAddress: this.limiters(`login-address-${windowMs}`, options),
        byAccountAddress: this.limiters(`login-account-address-${windowMs}`, options),
        byAccount: this.limiters(`login-account-${windowMs}`, options),
      };
      this.counters.set(windowMs, c);
    }
    return c;
  }
}

/**
 * Adds one to `key`'s count. The limiters never refuse on their own (their
 * points are unlimited) except for a key `block`ed by a lock-out: its count
 * is then returned as well (above any setting).
 */
async function count(limiter: RateLimiterAbstract, key: string): Promise<RateLimiterRes> {
  try {
    return await limiter.consume(key, 1);
  } catch (err) {
    if (err instanceof RateLimiterRes) return err;
    throw err;
  }
}

/** LOGIN_THROTTLED saying, in whole minutes (at least one), when to try again. */
function throttled(waitMs: number): ServiceError {
  const minutes = Math.max(1, Math.ceil(waitMs / 60_000));
  return new ServiceError('CONCLAVE_ERR_LOGIN_THROTTLED', `retry in ${minutes} min`, {
    message: `Too many login attempts; try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
  });
}
