import pino, { type Logger } from 'pino';

/**
 * Paths pino blanks out wherever they appear, as a second line of defence: no
 * code path logs a frame, but a password, token, code, body or MLS object
 * (KeyPackage, Welcome, GroupInfo, Commit, key) must never reach a log line
 * even by mistake.
 */
const SECRET_FIELDS = ['password', 'token', 'body', 'ciphertext', 'keyPackage', 'keyPackages', 'lastResort', 'welcome', 'groupInfo', 'commit', 'signatureKey'];
const REDACT = [...SECRET_FIELDS, ...SECRET_FIELDS.map((f) => `*.${f}`), 'req.headers.authorization', 'req.headers.cookie'];

/** Log levels accepted by `--log-level`. */
export type LogLevel = 'silent' | 'fatal' | 'error' | 'warn' | 'info' | 'debug';

/** The server's structured logger: JSON lines, or pretty lines on a terminal. */
export function createLogger(level: LogLevel, pretty: boolean): Logger {
  const options = { level, redact: { paths: REDACT, censor: '[redacted]' }, base: { pid: process.pid } };
  if (pretty && level !== 'silent') {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } } });
  }
  return pino(options);
}
