// The error module alone, not the client barrel: `conclave --help` loads no MLS code (scripts/build.mjs).
import { isConclaveError } from '@conclave/client/errors';

/** Exit statuses of the `conclave` binary. */
export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

/**
 * A failure to report as one line on stderr (`conclave: <message>`), with no
 * stack trace. Messages must never contain a password or a token.
 * `reported`: the lines were written already (only the exit status is left).
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
    readonly reported = false,
  ) {
    super(message);
  }
}

/** One line for the user: `Wrong username or password.` → `wrong username or password`. */
export function oneLine(err: unknown): string {
  let text: string;
  if (err instanceof CliError || isConclaveError(err)) text = err.message;
  else if (err instanceof Error && err.name === 'ExitPromptError') text = 'cancelled';
  else if (err instanceof Error) text = `unexpected error: ${err.message}`;
  else text = `unexpected error: ${String(err)}`;
  text = text.split('\n')[0]?.trim().replace(/\.$/, '') ?? '';
  // Lower-case a leading capitalised word ("Wrong"), never an acronym ("TLS").
  return /^[A-Z][a-z]/.test(text) ? text[0]!.toLowerCase() + text.slice(1) : text;
}

/** The exit status for a failure. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof CliError) return err.exitCode;
  if (err instanceof Error && err.name === 'ExitPromptError') return EXIT.interrupted;
  return EXIT.failure;
}
