import type { ChatMessage } from '@conclave/client';
import { closeClient, connectNonInteractive, passwordSource, pickUser } from '../connect.js';
import { CliError, EXIT } from '../errors.js';
import { formatReadJson, formatReadLine } from '../format.js';
import { establishTrust } from '../tls/trust.js';
import { parseServerAddress } from '../url.js';
import { profileDirOf, type ScriptOptions } from './options.js';

export interface ReadOptions extends ScriptOptions {
  follow?: boolean;
  json?: boolean;
  /** Seconds: with --follow, how long to keep reading; without, the limit for catching up. */
  timeout?: number;
}

/**
 * `conclave read URL --user NAME`: prints the messages after the profile's
 * cursors (and advances them), then exits when caught up; `--follow` keeps
 * printing until `--timeout` seconds (or forever).
 * @throws CliError / ConclaveError with a one-line reason.
 */
export async function runRead(url: string, opts: ReadOptions): Promise<void> {
  const addr = parseServerAddress(url);
  const profileDir = profileDirOf(opts);
  const user = await pickUser(profileDir, addr, opts.user);
  const timeoutMs = opts.timeout === undefined ? undefined : opts.timeout * 1000;
  const print = (m: ChatMessage): void => {
    process.stdout.write(`${opts.json === true ? formatReadJson(m) : formatReadLine(m)}\n`);
  };
  const work = (async () => {
    const trust = await establishTrust({ addr, profileDir, ...(opts.fingerprint !== undefined && { expected: opts.fingerprint }) });
    return connectNonInteractive({
      addr,
      trust,
      profileDir,
      user,
      password: passwordSource(opts.passwordStdin === true),
      onClient: (client) => client.on('message', print),
    });
  })();
  if (opts.follow !== true) {
    const client = await withTimeout(work, timeoutMs);
    await closeClient(client);
    return;
  }
  const client = await work;
  await new Promise<void>((resolve, reject) => {
    client.on('connection', (change) => {
      if (change.state === 'closed') reject(change.error ?? new CliError('connection closed'));
    });
    if (timeoutMs !== undefined) setTimeout(resolve, timeoutMs);
    for (const signal of stopSignals(process.platform)) process.once(signal, () => resolve());
  }).finally(() => closeClient(client));
}

/**
 * The signals that end `read --follow` cleanly (client closed, cursors
 * saved). Windows never delivers SIGTERM (listening is harmless) but has
 * Ctrl-Break (SIGBREAK), which would otherwise end the process on the spot.
 */
export function stopSignals(platform: NodeJS.Platform): NodeJS.Signals[] {
  return platform === 'win32' ? ['SIGINT', 'SIGTERM', 'SIGBREAK'] : ['SIGINT', 'SIGTERM'];
}

function withTimeout<T>(promise: Promise<T>, ms: number | undefined): Promise<T> {
  if (ms === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new CliError(`timed out after ${ms / 1000} s`, EXIT.failure)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
