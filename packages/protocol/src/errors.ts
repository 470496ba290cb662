/**
 * The wire error catalogue: every error frame carries one of these stable codes.
 * `message` is what a user is shown; details go to the server log only.
 * `close` is the WebSocket close code used when the error ends the connection.
 */

/** WebSocket close codes used by Conclave (RFC 6455 §7.4 and the 4000–4999 private range). */
export const CLOSE_CODES = {
  normal: 1000,
  goingAway: 1001,
  policyViolation: 1008,
  tooBig: 1009,
  internal: 1011,
  authTimeout: 4001,
  flood: 4002,
  slowReader: 4003,
  sessionEnded: 4004,
  protocolVersion: 4005,
  /** Too many connections from one address or on one session (RFC 6455 registry: Try Again Later). */
  tryAgainLater: 1013,
} as const;

/** Every error code with its default human message and, when fatal, the close code. */
export const ERRORS = {
  CONCLAVE_ERR_BAD_FRAME: { message: 'That frame is not valid JSON or does not match the protocol.' },
  CONCLAVE_ERR_UNKNOWN_TYPE: { message: 'Unknown frame type.' },
  CONCLAVE_ERR_FRAME_TOO_LARGE: { message: 'Frame too large.', close: CLOSE_CODES.tooBig },
  CONCLAVE_ERR_RATE_LIMITED: { message: 'Slow down: too many frames.' },
  CONCLAVE_ERR_FLOOD: { message: 'Too many frames; disconnected.', close: CLOSE_CODES.flood },
  CONCLAVE_ERR_SLOW_READER: { message: 'Connection too slow to keep up; disconnected.', close: CLOSE_CODES.slowReader },
  CONCLAVE_ERR_AUTH_TIMEOUT: { message: 'Authentication took too long.', close: CLOSE_CODES.authTimeout },
  CONCLAVE_ERR_PROTOCOL_VERSION: { message: 'Unsupported protocol version; update your client.', close: CLOSE_CODES.protocolVersion },
  CONCLAVE_ERR_HELLO_REQUIRED: { message: 'Send hello first.' },
  CONCLAVE_ERR_NOT_AUTHENTICATED: { message: 'Log in first.' },
  CONCLAVE_ERR_ALREADY_AUTHENTICATED: { message: 'Already logged in on this connection.' },
  CONCLAVE_ERR_BAD_CREDENTIALS: { message: 'Wrong username or password.' },
  CONCLAVE_ERR_LOGIN_THROTTLED: { message: 'Too many login attempts; try again later.' },
  CONCLAVE_ERR_SESSION_INVALID: { message: 'Your session has expired or was ended; log in again.' },
  CONCLAVE_ERR_SESSION_REVOKED: { message: 'You were signed out (by an admin, a password change or a sign-out elsewhere); log in again.', close: CLOSE_CODES.sessionEnded },
  CONCLAVE_ERR_ACCOUNT_DELETED: { message: 'An admin deleted your account.', close: CLOSE_CODES.sessionEnded },
  CONCLAVE_ERR_USERNAME_INVALID: { message: 'Usernames are 3–32 characters: letters, digits, _ . -' },
  CONCLAVE_ERR_USERNAME_TAKEN: { message: 'That username is taken.' },
  CONCLAVE_ERR_PASSWORD_WEAK: { message: 'Choose a password of 8–1024 characters that is not a common one.' },
  CONCLAVE_ERR_REGISTRATION_CLOSED: { message: 'Registration needs an invite code from an admin.' },
  CONCLAVE_ERR_INVITE_INVALID: { message: 'That invite or setup code is not valid (used or expired?).' },
  CONCLAVE_ERR_FORBIDDEN: { message: 'Only an admin can do that.' },
  CONCLAVE_ERR_LAST_ADMIN: { message: 'That is the last admin: promote someone else first.' },
  CONCLAVE_ERR_ROOM_CREATION_CLOSED: { message: 'No room by that name, and only admins may create rooms here.' },
  CONCLAVE_ERR_SETTING_UNKNOWN: { message: 'No such setting; /settings lists them.' },
  CONCLAVE_ERR_SETTING_INVALID: { message: 'That value is not allowed for this setting; /settings shows what is.' },
  CONCLAVE_ERR_NO_SUCH_USER: { message: 'No such user.' },
  CONCLAVE_ERR_NO_SUCH_CONVERSATION: { message: 'No such conversation.' },
  CONCLAVE_ERR_NOT_MEMBER: { message: 'You are not a member of that conversation.' },
  CONCLAVE_ERR_ROOM_NAME_INVALID: { message: 'Room names are # then 1–32 characters: letters, digits, _ -' },
  CONCLAVE_ERR_CANNOT_LEAVE: { message: 'Everyone stays in #general; you can leave other rooms.' },
  CONCLAVE_ERR_SELF_DM: { message: 'You cannot message yourself.' },
  CONCLAVE_ERR_BODY_TOO_LARGE: { message: 'Message too long.' },
  CONCLAVE_ERR_MLS_INVALID: { message: 'That MLS message is malformed or not for this conversation.' },
  CONCLAVE_ERR_STALE_EPOCH: { message: 'The conversation moved on to a newer epoch; catch up and retry.' },
  CONCLAVE_ERR_GROUP_EXISTS: { message: 'This conversation already has an MLS group; join it instead.' },
  CONCLAVE_ERR_NO_GROUP: { message: 'This conversation has no MLS group yet.' },
  CONCLAVE_ERR_NOT_GROUP_MEMBER: { message: 'This device is not a member of that conversation\'s group.' },
  CONCLAVE_ERR_DEVICE_KEY_MISMATCH: { message: 'That credential or key does not belong to this device.' },
  CONCLAVE_ERR_KEY_PACKAGES_FULL: { message: 'This device already has enough KeyPackages on the server.' },
  CONCLAVE_ERR_SHUTTING_DOWN: { message: 'The server is shutting down.', close: CLOSE_CODES.goingAway },
  CONCLAVE_ERR_INTERNAL: { message: 'Something went wrong on the server.' },
  CONCLAVE_ERR_TOO_MANY_CONNECTIONS: { message: 'Too many connections from your address or on your session; close some and try again.', close: CLOSE_CODES.tryAgainLater },
  CONCLAVE_ERR_GROUP_FULL: { message: 'This room\'s encrypted group holds as many devices as it can; someone must leave or remove a device first.' },
  CONCLAVE_ERR_MLS_TOO_LARGE: { message: 'That MLS object (KeyPackage, GroupInfo or Welcome) is larger than this server allows.' },
  CONCLAVE_ERR_TOO_MANY_DEVICES: { message: 'You have too many devices connected right now; sign out on one of them first.' },
  CONCLAVE_ERR_ROOM_CREATION_LIMIT: { message: 'You created too many rooms in the last hour; try again later.' },
  CONCLAVE_ERR_BLOB_NOT_FOUND: { message: 'That file is not on the server (never uploaded, or deleted with its message).' },
  CONCLAVE_ERR_BLOB_DIGEST_MISMATCH: { message: 'The uploaded file does not match its id; it was not stored.' },
  CONCLAVE_ERR_FILE_TOO_LARGE: { message: 'That file is larger than this server allows.' },
  CONCLAVE_ERR_QUOTA_EXCEEDED: { message: 'You have stored as many files as this server allows; delete some messages or ask an admin.' },
} as const satisfies Record<string, { message: string; close?: number }>;

/** A stable error code, e.g. `CONCLAVE_ERR_NOT_MEMBER`. */
export type ErrorCode = keyof typeof ERRORS;

/** All error codes, for schema validation of `error` frames. */
export const ERROR_CODES = Object.keys(ERRORS) as [ErrorCode, ...ErrorCode[]];

/** The user-facing message of an error code. */
export function errorMessage(code: ErrorCode): string {
  return ERRORS[code].message;
}

/** The close code an error ends the connection with, or `undefined` when it is not fatal. */
export function errorCloseCode(code: ErrorCode): number | undefined {
  const entry = ERRORS[code];
  return 'close' in entry ? entry.close : undefined;
}
