/** One admin action as stored. Times in ms since the epoch. Never holds a password or token. */
export interface AuditRecord {
  at: number;
  /** The admin's user id; null from the shell. */
  actorId: string | null;
  /** The admin's username, or `shell`. */
  actorName: string;
  /** What was done: the admin command's action (`add_user`, `set`, …) or a shell task (`reset_password`). */
  action: string;
  /** The username or room acted on. */
  target: string | null;
  /** Non-secret detail, e.g. `room_creation=admins`. */
  detail: string | null;
  /** The admin connection's remote address; null from the shell. */
  address: string | null;
}

/** Persistence of the audit log (append-only). */
export interface AuditStore {
  append(record: AuditRecord): Promise<void>;
  /** The newest `limit` records, newest first. */
  recent(limit: number): Promise<AuditRecord[]>;
}
