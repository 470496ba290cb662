import { errorMessage, type ErrorCode } from '@conclave/protocol';

/**
 * A rule a request broke. Services throw it; the WebSocket layer turns it into
 * an `error` frame with `code` and `message`: the catalogue's user message,
 * or a more precise one the service gives (e.g. which values a setting
 * allows). `detail` is for the log only. Neither may hold a secret or a
 * message body.
 */
export class ServiceError extends Error {
  readonly code: ErrorCode;
  readonly detail: string | undefined;

  constructor(code: ErrorCode, detail?: string, options: { message?: string } = {}) {
    super(options.message ?? errorMessage(code));
    this.name = 'ServiceError';
    this.code = code;
    this.detail = detail;
  }
}

/** True when `err` is a unique-constraint violation (SQLite or PostgreSQL). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string } | null;
  return e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e?.code === '23505';
}

/**
 * True when `err` is a PostgreSQL error that aborts a transaction which
 * succeeds when run again: `40P01` deadlock detected, `40001` serialization
 * failure (PostgreSQL docs, Appendix A "Error codes" and §13.2). SQLite never
 * raises them: its one writer cannot deadlock.
 */
export function isRetryableTransactionError(err: unknown): boolean {
  const e = err as { code?: string } | null;
  return e?.code === '40P01' || e?.code === '40001';
}
