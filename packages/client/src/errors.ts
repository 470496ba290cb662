import { ERRORS, type ErrorCode } from '@conclave/protocol';

/**
 * The client's error catalogue. Server codes (`ErrorCode` from the protocol)
 * arrive in `error` frames; the codes below are raised by the client itself.
 * Every error a UI sees is a `ConclaveError`: show `message`, branch on `code`.
 */
export const CLIENT_ERRORS = {
  CONCLAVE_ERR_TIMEOUT: { message: 'The server did not answer in time.' },
  CONCLAVE_ERR_DISCONNECTED: { message: 'Not connected to the server; retrying.' },
  CONCLAVE_ERR_CLOSED: { message: 'The connection was closed.' },
  CONCLAVE_ERR_CONNECT_FAILED: { message: 'Could not connect to the server.' },
  CONCLAVE_ERR_BAD_REPLY: { message: 'The server sent a reply this client does not understand.' },
  CONCLAVE_ERR_UNTRUSTED_SERVER: { message: 'The server certificate is not trusted.' },
  CONCLAVE_ERR_NO_SESSION: { message: 'No saved session; log in with your password.' },
  CONCLAVE_ERR_UNKNOWN_CONVERSATION: { message: 'You are not in that conversation.' },
  CONCLAVE_ERR_UNDECRYPTABLE: { message: 'A message could not be decrypted or verified; it was not shown.' },
  CONCLAVE_ERR_COMMIT_REJECTED: { message: 'A member made a group change Conclave does not allow; it was ignored.' },
  CONCLAVE_ERR_LOCAL_STATE: { message: 'This device\'s saved encryption state is unreadable.' },
  CONCLAVE_ERR_NOT_JOINED: { message: 'This device could not join that conversation\'s encryption group yet; retrying.' },
  CONCLAVE_ERR_NO_SUCH_DEVICE: { message: 'No such device.' },
  CONCLAVE_ERR_NOT_YOURS: { message: 'You can only edit or delete your own messages.' },
  CONCLAVE_ERR_NO_SUCH_MESSAGE: { message: 'No such message here.' },
  CONCLAVE_ERR_FILE_CORRUPT: { message: 'This file cannot be opened: it was altered or cut short. It was not saved.' },
  CONCLAVE_ERR_FILE_TRANSFER: { message: 'The file transfer failed; try again.' },
  CONCLAVE_ERR_FILES_UNAVAILABLE: { message: 'This client cannot send or fetch files.' },
  CONCLAVE_ERR_CANCELLED: { message: 'Cancelled.' },
} as const satisfies Record<string, { message: string }>;

/** A code raised by the client itself (never on the wire). */
export type ClientErrorCode = keyof typeof CLIENT_ERRORS;
/** Any code a `ConclaveError` may carry: the protocol's or the client's. */
export type ConclaveErrorCode = ErrorCode | ClientErrorCode;

/**
 * Server codes after which reconnecting cannot help: the user must act
 * (type a password, update the client, get an invite).
 */
const FATAL_CODES: ReadonlySet<ConclaveErrorCode> = new Set<ConclaveErrorCode>([
  'CONCLAVE_ERR_PROTOCOL_VERSION',
  'CONCLAVE_ERR_BAD_CREDENTIALS',
  'CONCLAVE_ERR_LOGIN_THROTTLED',
  'CONCLAVE_ERR_SESSION_INVALID',
  'CONCLAVE_ERR_SESSION_REVOKED',
  'CONCLAVE_ERR_ACCOUNT_DELETED',
  'CONCLAVE_ERR_USERNAME_INVALID',
  'CONCLAVE_ERR_USERNAME_TAKEN',
  'CONCLAVE_ERR_PASSWORD_WEAK',
  'CONCLAVE_ERR_REGISTRATION_CLOSED',
  'CONCLAVE_ERR_INVITE_INVALID',
  'CONCLAVE_ERR_UNTRUSTED_SERVER',
  'CONCLAVE_ERR_NO_SESSION',
]);

/** The default user message of any code. */
export function defaultMessage(code: ConclaveErrorCode): string {
  return code in CLIENT_ERRORS
    ? CLIENT_ERRORS[code as ClientErrorCode].message
    : ERRORS[code as ErrorCode].message;
}

/**
 * An error with a stable `code` and a `message` fit to show a user as is
 * (one line, no stack, no secrets). `fatal` means retrying or reconnecting
 * will not help without the user's action.
 */
export class ConclaveError extends Error {
  override readonly name = 'ConclaveError';
  readonly code: ConclaveErrorCode;
  readonly fatal: boolean;

  /** @param message overrides the catalogue's message (e.g. the server's wording). */
  constructor(code: ConclaveErrorCode, message?: string, options?: { cause?: unknown; fatal?: boolean }) {
    super(message !== undefined && message.length > 0 ? message : defaultMessage(code), { cause: options?.cause });
    this.code = code;
    this.fatal = options?.fatal ?? FATAL_CODES.has(code);
  }
}

/** True when `err` is a `ConclaveError`, optionally with one of `codes`. */
export function isConclaveError(err: unknown, ...codes: ConclaveErrorCode[]): err is ConclaveError {
  return err instanceof ConclaveError && (codes.length === 0 || codes.includes(err.code));
}

/** Wraps anything thrown into a `ConclaveError` (unknown causes become `fallback`). */
export function toConclaveError(err: unknown, fallback: ConclaveErrorCode = 'CONCLAVE_ERR_CONNECT_FAILED'): ConclaveError {
  return err instanceof ConclaveError ? err : new ConclaveError(fallback, undefined, { cause: err });
}
