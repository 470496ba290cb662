import type { Generated } from 'kysely';

/**
 * Table shapes for Kysely. Times are integers in ms since the Unix epoch;
 * ids are opaque base64url strings. Both SQL dialects implement this schema
 * (see `migrations/`).
 */
export interface Database {
  users: UsersTable;
  devices: DevicesTable;
  sessions: SessionsTable;
  invites: InvitesTable;
  settings: SettingsTable;
  conversations: ConversationsTable;
  members: MembersTable;
  messages: MessagesTable;
}

export interface UsersTable {
  id: string;
  /** As typed at registration. */
  username: string;
  /** Lower-cased username: unique, so `Alice` cannot impersonate `alice`. */
  username_key: string;
  /** PHC string (Argon2id). */
  password_hash: string;
  role: 'admin' | 'member';
  created_at: number;
}

export interface DevicesTable {
  id: string;
  user_id: string;
  name: string;
  created_at: number;
  last_seen_at: number;
}

export interface SessionsTable {
  /** SHA-256 (hex) of the session token; the token itself is never stored. */
  token_hash: string;
  user_id: string;
  device_id: string;
  created_at: number;
  last_used_at: number;
  /** Absolute expiry; the idle expiry is computed from `last_used_at`. */
  expires_at: number;
}

export interface InvitesTable {
  /** SHA-256 (hex) of the invite or setup code. */
  code_hash: string;
  /** Role the code grants: the setup code grants `admin`. */
  role: 'admin' | 'member';
  kind: 'setup' | 'invite';
  created_by: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  used_by: string | null;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export interface ConversationsTable {
  id: string;
  kind: 'room' | 'dm';
  /** `#name` for rooms as first typed; null for DMs. */
  name: string | null;
  /** Lower-cased room name, unique; null for DMs. */
  name_key: string | null;
  /** The two user ids of a DM, sorted and joined by `:`, unique; null for rooms. */
  dm_key: string | null;
  created_at: number;
  /** Highest seq appended to this conversation's log. */
  last_seq: Generated<number>;
}

export interface MembersTable {
  conversation_id: string;
  user_id: string;
  joined_at: number;
  /** `last_seq` when the user joined: their devices are sent messages after it only. */
  joined_seq: number;
}

export interface MessagesTable {
  conversation_id: string;
  seq: number;
  sender_user_id: string;
  sender_device_id: string;
  /** The sender's idempotency key; unique per conversation and device. */
  client_msg_id: string;
  /** Opaque bytes (MLS ciphertext once E2EE lands); never parsed by the server. */
  body: Uint8Array;
  sent_at: number;
}
