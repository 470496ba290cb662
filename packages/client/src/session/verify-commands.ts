import type { UserId } from '@conclave/protocol';
import type { ConclaveClient } from '../client.js';
import { isConclaveError } from '../errors.js';
import type { SafetyNumber, Verification } from '../verification.js';
import { deviceLines, safetyNumberLines } from './trust-text.js';

/** A line of command output: its tone, and `strong` for what must be read exactly (a safety number). */
export type Say = (text: string, tone?: 'info' | 'error' | 'ok', strong?: boolean) => void;

/**
 * `/verify USER [yes]` and `/devices [USER]` (terminal and web UIs).
 *
 * Confirming marks verified exactly the device keys whose safety number the
 * user was shown and compared: `/verify USER yes` recomputes the number and
 * refuses (showing the new one) unless it equals the one last shown for that
 * user in this session, so a device added in between is never verified unseen.
 */
export class VerifyCommands {
  /** The number last shown per user this session. */
  private readonly shown = new Map<UserId, string>();

  constructor(
    private readonly client: ConclaveClient,
    private readonly say: Say,
  ) {}

  /** Shows the safety number with `user`, or (`confirm`) marks the devices it covers verified. */
  async verify(user: string, confirm: boolean): Promise<void> {
    const number = await this.safetyNumber(user);
    if (number === null) return;
    const previous = this.shown.get(number.userId);
    this.shown.set(number.userId, number.number);
    if (!confirm) return this.show(number);
    if (previous !== number.number) {
      this.say(
        previous === undefined
          ? `First compare the safety number with ${number.username}:`
          : `The safety number with ${number.username} changed since it was shown (a device was added or replaced). Compare this one:`,
        'error',
      );
      return this.show(number);
    }
    await this.verification().confirm(number);
    const n = number.covered.length;
    this.say(`${number.username} is verified (${n} device${n === 1 ? '' : 's'}).`, 'ok');
  }

  /** Lists the devices of `user` (default: yours) with fingerprints and trust. */
  async devices(user: string | null): Promise<void> {
    const me = this.client.snapshot().me;
    const target = user ?? me?.username;
    if (target === undefined) throw new Error('Not logged in yet.');
    let listed: Awaited<ReturnType<Verification['devices']>>;
    try {
      listed = await this.verification().devices(target);
    } catch (err) {
      if (!isConclaveError(err, 'CONCLAVE_ERR_NO_SUCH_USER')) throw err;
      this.say(`There is no user ${target} on this server.`, 'error');
      return;
    }
    const self = me !== null && listed.username.toLowerCase() === me.username.toLowerCase();
    for (const line of deviceLines(listed.username, listed.devices, self)) this.say(line);
  }

  private show(number: SafetyNumber): void {
    const me = this.client.snapshot().me;
    const lines = safetyNumberLines(number, me !== null && me.userId === number.userId);
    this.say(lines.heading);
    for (const row of lines.number) this.say(row, 'info', true);
    this.say(lines.instructions);
  }

  private async safetyNumber(user: string): Promise<SafetyNumber | null> {
    try {
      return await this.verification().safetyNumber(user);
    } catch (err) {
      if (!isConclaveError(err, 'CONCLAVE_ERR_NO_SUCH_USER')) throw err;
      this.say(`There is no user ${user} on this server.`, 'error');
      return null;
    }
  }

  private verification(): Verification {
    const v = this.client.verification;
    if (v === null) throw new Error('Not connected yet: try again once connected.');
    return v;
  }
}
